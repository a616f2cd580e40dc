# mathagent snippet runner. Executed once per interpreter (Pyodide worker or CPython worker) as the
# module `_mathagent_runner`; `_make_runner(cfg)` returns the `run(request_json) -> result_json`
# function the host calls for every snippet. Everything the returned function needs is bound in
# closures, so a snippet that rebinds names in this module cannot change how later snippets run.
#
# Semantics (see docs/interpreter.md):
# - each stateless snippet gets a fresh globals dict {"__name__": "__main__", "__builtins__": builtins};
# - a session keeps one globals dict across its blocks (notebook-cell semantics);
# - the value of a final expression statement is returned as repr() (None -> no value);
# - stdout/stderr are captured in bounded sinks (first `max_out` chars kept, total counted);
# - errors give a trimmed traceback: the innermost snippet frame + the exception lines;
# - process-wide state that snippets commonly change is reset after every snippet.

import sys, ast, builtins, linecache, traceback, json, io


def _make_runner(cfg):
    import warnings, types, signal, random, gc

    max_recursion = int(cfg.get("maxRecursion", 50000))
    default_recursion = int(cfg.get("defaultRecursion", sys.getrecursionlimit()))
    max_sessions = int(cfg.get("maxSessions", 256))
    max_repr = int(cfg.get("maxRepr", 4096))
    random.seed()

    orig_builtins = dict(builtins.__dict__)
    warn_filters = list(warnings.filters)
    int_digits = sys.get_int_max_str_digits() if hasattr(sys, "get_int_max_str_digits") else None
    set_int_digits = getattr(sys, "set_int_max_str_digits", None)
    real_setrec = sys.setrecursionlimit
    real_signal = signal.signal
    default_int_handler = signal.default_int_handler
    gc_threshold = gc.get_threshold()
    gc_enabled = gc.isenabled
    gc_enable = gc.enable
    gc_get_threshold = gc.get_threshold
    gc_set_threshold = gc.set_threshold
    stdin_real = sys.stdin
    StringIO = io.StringIO
    dumps = json.dumps
    loads = json.loads
    parse = ast.parse
    Expr = ast.Expr
    Expression = ast.Expression
    fmt_exc_only = traceback.format_exception_only
    extract_tb = traceback.extract_tb
    fmt_list = traceback.format_list
    lc_cache = linecache.cache
    BaseExc = BaseException
    KeyboardInt = KeyboardInterrupt
    SyntaxErr = SyntaxError
    repr_ = repr
    len_ = len
    isinstance_ = isinstance
    dict_ = dict
    str_ = str
    type_ = type
    list_ = list

    def capped_setrecursionlimit(n):
        real_setrec(min(int(n), max_recursion))

    sys.setrecursionlimit = capped_setrecursionlimit
    capped_setrecursionlimit(default_recursion)

    # --- module-state snapshots: module dicts are restored after a snippet changes them ---------
    module_snap = {}
    state = {"recycle": False}

    class_snap = {}  # id(cls) -> (cls, dict copy) for classes defined in library modules
    bridges = ("js", "pyodide_js", "pyodide", "_pyodide", "_pyodide_core", "micropip", "pyodide_http")

    mods_snap = {}  # sys.modules as it was after the last snippet

    def sync_modules():
        """Cheap per-snippet check of sys.modules: restore replaced/removed entries, drop bridge
        modules, snapshot newly imported modules. A no-op (one dict compare) when unchanged."""
        cur = sys.modules
        try:
            if cur == mods_snap:
                return
        except BaseExc:
            pass
        for name in list_(cur):
            m = cur.get(name)
            old = mods_snap.get(name, mods_snap)
            if old is mods_snap:
                if name.split(".")[0] in bridges:
                    del cur[name]
            elif m is not old:
                cur[name] = old
        for name, m in mods_snap.items():
            if name not in cur:
                cur[name] = m
        snap_new_modules()

    def snap_new_modules():
        mods_snap.clear()
        mods_snap.update(sys.modules)
        for name, m in list_(sys.modules.items()):
            if name in module_snap or m is None:
                continue
            d = getattr(m, "__dict__", None)
            if isinstance_(d, dict_):
                module_snap[name] = (m, dict_(d))
                if name == "__main__":
                    continue
                for v in list_(d.values()):
                    if isinstance_(v, type_) and id(v) not in class_snap:
                        try:
                            if v.__dict__.get("__module__") == name:
                                class_snap[id(v)] = (v, dict_(v.__dict__))
                        except BaseExc:
                            pass

    DATA = (int, float, str, bytes, bool, type_(None))
    MISSING = object()

    def classes_changed():
        """True when a library class got a method/descriptor added, replaced or removed.
        Plain data attributes are ignored: libraries change those themselves (Dummy._count)."""
        changed = False
        for cls, snap in class_snap.values():
            try:
                d = cls.__dict__
                if d == snap:
                    continue
                for k in set(d) | set(snap):
                    a = snap.get(k, MISSING)
                    b = d.get(k, MISSING)
                    if a is b:
                        continue
                    if isinstance_(a, DATA) and isinstance_(b, DATA):
                        snap[k] = b
                        continue
                    changed = True
            except BaseExc:
                changed = True
        return changed

    # names whose presence in a snippet makes the runner check library classes for changes
    RISKY = frozenset({
        "setattr", "delattr", "__setattr__", "__delattr__", "__dict__", "vars", "exec", "eval",
        "compile", "__import__", "importlib", "__builtins__", "__class__", "__bases__", "__mro__",
        "__subclasses__", "getattr", "__getattribute__", "__globals__", "__code__", "pickle",
        "_pickle", "marshal", "copyreg", "loads", "__init_subclass__", "__set_name__", "globals",
    })
    Attribute = ast.Attribute
    Name = ast.Name
    walk = ast.walk

    def is_risky(tree):
        for node in walk(tree):
            t = type_(node)
            if t is Attribute:
                if node.attr in RISKY or type_(node.ctx) is not ast.Load:
                    return True
            elif t is Name:
                if node.id in RISKY:
                    return True
        return False

    def restore_modules():
        changed = False
        for name, (m, snap) in module_snap.items():
            try:
                d = m.__dict__
                if d is None:
                    continue
                try:
                    same = d == snap  # C-level compare; identical values short-circuit
                except BaseExc:
                    same = False
                if not same:
                    d.clear()
                    d.update(snap)
                    changed = True
            except BaseExc:
                state["recycle"] = True
            if sys.modules.get(name) is not m:
                sys.modules[name] = m
                changed = True
        return changed


    def reset_process_state(risky):
        sys.stdin = stdin_real
        try:
            real_setrec(default_recursion)
        except BaseExc:
            pass
        if set_int_digits is not None:
            set_int_digits(int_digits)
        warnings.filters[:] = warn_filters
        m = sys.modules.get("mpmath")
        if m is not None:
            try:
                m.mp.dps = 15
                m.mp.pretty = False
            except BaseExc:
                state["recycle"] = True
        d = sys.modules.get("decimal")
        if d is not None:
            try:
                d.setcontext(d.Context())
            except BaseExc:
                state["recycle"] = True
        try:
            real_signal(signal.SIGINT, default_int_handler)
        except BaseExc:
            pass
        random.seed()
        # a snippet that turned the collector off (or retuned it) would leave later ones to run
        # out of memory on cycles
        if not gc_enabled():
            gc_enable()
        if gc_get_threshold() != gc_threshold:
            gc_set_threshold(*gc_threshold)
        if builtins.__dict__ != orig_builtins:
            builtins.__dict__.clear()
            builtins.__dict__.update(orig_builtins)
        if risky:
            # the snippet may have rebound module attributes (sympy.solve = ...): compare every
            # module dict with its snapshot and restore the changed ones (~1.5 ms, so only then)
            restore_modules()

    # --- sessions --------------------------------------------------------------------------------
    sessions = {}  # id -> {"ns": dict, "state": saved process state}

    def save_session_state():
        st = {"rec": sys.getrecursionlimit()}
        if int_digits is not None:
            st["digits"] = sys.get_int_max_str_digits()
        m = sys.modules.get("mpmath")
        if m is not None:
            st["dps"] = (m.mp.dps, m.mp.pretty)
        d = sys.modules.get("decimal")
        if d is not None:
            st["decimal"] = d.getcontext().copy()
        st["random"] = random.getstate()
        return st

    def apply_session_state(st):
        if not st:
            return
        real_setrec(st.get("rec", default_recursion))
        if "digits" in st and set_int_digits is not None:
            set_int_digits(st["digits"])
        m = sys.modules.get("mpmath")
        if m is not None and "dps" in st:
            m.mp.dps, m.mp.pretty = st["dps"]
        d = sys.modules.get("decimal")
        if d is not None and "decimal" in st:
            d.setcontext(st["decimal"].copy())
        if "random" in st:
            random.setstate(st["random"])

    class Cap:
        """Bounded text sink: keeps the first `limit` chars, counts the rest."""

        __slots__ = ("limit", "parts", "kept", "total")

        def __init__(self, limit):
            self.limit = limit
            self.parts = []
            self.kept = 0
            self.total = 0

        def write(self, s):
            if not isinstance_(s, str_):
                raise TypeError("write() argument must be str, not " + type_(s).__name__)
            n = len_(s)
            self.total += n
            room = self.limit - self.kept
            if room > 0:
                piece = s[:room]
                self.parts.append(piece)
                self.kept += len_(piece)
            return n

        def writelines(self, lines):
            for s in lines:
                self.write(s)

        def flush(self):
            pass

        def isatty(self):
            return False

        def readable(self):
            return False

        def writable(self):
            return True

        @property
        def encoding(self):
            return "utf-8"

        def getvalue(self):
            return "".join(self.parts)

    def format_error(e, fn, max_out):
        """Like the REPL, but only the innermost frame of the snippet (or below) is shown."""
        if isinstance_(e, SyntaxErr):
            text = "".join(fmt_exc_only(type_(e), e))
        else:
            tb = e.__traceback__
            while tb is not None and tb.tb_frame.f_code.co_filename != fn:
                tb = tb.tb_next  # drop the runner's frames
            frames = extract_tb(tb) if tb is not None else []
            # the innermost frame of the snippet itself (library/sandbox frames are not shown)
            mine = [f for f in frames if f.filename == fn]
            head = ""
            if mine:
                head = "Traceback (most recent call last):\n" + "".join(fmt_list(mine[-1:]))
            text = head + "".join(fmt_exc_only(type_(e), e))
        text = text.rstrip("\n")
        if len_(text) > max_out:
            text = text[: max_out // 2] + "\n...[truncated]...\n" + text[-max_out // 2 :]
        return text

    counter = [0]

    def run(req_json):
        req = loads(req_json)
        code = req["code"]
        max_out = int(req.get("maxOut", 8192))
        sid = req.get("session")
        counter[0] += 1
        fn = "<snippet>"
        out = Cap(max_out)
        err = Cap(max_out)
        old_out, old_err = sys.stdout, sys.stderr
        value = None
        error = None
        status = "ok"
        sess = None
        risky = False
        if sid is not None:
            sess = sessions.get(sid)
            if sess is None:
                sess = {"ns": {"__name__": "__main__", "__builtins__": builtins}, "state": None}
                sessions[sid] = sess
                # replay: this interpreter never saw the earlier blocks (new worker after a crash,
                # recycle or kill): re-run them silently, as the paper's executor does every turn.
                hist = req.get("history") or []
                risky = bool(hist)
                sys.stdout, sys.stderr = Cap(0), Cap(0)
                sys.stdin = StringIO("")
                try:
                    for i, block in enumerate(hist):
                        try:
                            exec(compile(block, "<replay-%d>" % i, "exec"), sess["ns"])
                        except BaseExc as e:
                            if isinstance_(e, KeyboardInt):
                                raise
                except KeyboardInt:
                    status = "timeout"
                finally:
                    sys.stdout, sys.stderr = old_out, old_err
                sess["state"] = save_session_state()
                if len_(sessions) > max_sessions:
                    for k in list_(sessions)[: len_(sessions) - max_sessions]:
                        if k != sid:
                            sessions.pop(k, None)
            ns = sess["ns"]
            apply_session_state(sess["state"])
        else:
            ns = {"__name__": "__main__", "__builtins__": builtins}
        lc_cache[fn] = (len_(code), None, code.splitlines(True), fn)
        sys.stdout, sys.stderr = out, err
        sys.stdin = StringIO("")  # input() -> EOFError
        try:
            if status == "timeout":
                raise KeyboardInt()
            tree = parse(code, fn, "exec")
            risky = is_risky(tree)
            last = None
            if tree.body and isinstance_(tree.body[-1], Expr):
                last = Expression(tree.body.pop().value)
            exec(compile(tree, fn, "exec"), ns)
            if last is not None:
                v = eval(compile(last, fn, "eval"), ns)
                if v is not None:
                    r = repr_(v)
                    value = r if len_(r) <= max_repr else r[:max_repr] + "...[truncated]"
        except KeyboardInt:
            status = "timeout"
            error = "TimeoutError: execution interrupted"
        except BaseExc as e:  # SyntaxError, SystemExit, MemoryError, RecursionError, ...
            status = "error"
            try:
                error = format_error(e, fn, max_out)
            except BaseExc:
                try:
                    error = type_(e).__name__ + ": <unprintable exception>"
                except BaseExc:
                    error = "Exception: <unprintable exception>"
        finally:
            sys.stdout, sys.stderr = old_out, old_err
            try:
                if sess is not None:
                    sess["state"] = save_session_state()
            except BaseExc:
                pass
            try:
                reset_process_state(risky)
            except BaseExc:
                state["recycle"] = True
            lc_cache.pop(fn, None)
        if status != "ok" and value is not None:
            value = None
        o = out.getvalue()
        e2 = err.getvalue()
        res = {
            "status": status,
            "stdout": o,
            "stderr": e2,
            "value": value,
            "error": error,
            "truncated": out.total > out.kept or err.total > err.kept,
            "stdoutChars": out.total,
            "stderrChars": err.total,
        }
        if risky and classes_changed():
            state["recycle"] = True  # a library class was changed: this interpreter is retired
        sync_modules()
        if state["recycle"]:
            res["recycle"] = True
            state["recycle"] = False
        return dumps(res)

    def end_session(sid):
        sessions.pop(sid, None)

    def resnap():
        module_snap.clear()
        class_snap.clear()
        orig_builtins.clear()
        orig_builtins.update(builtins.__dict__)
        snap_new_modules()

    snap_new_modules()
    return run, end_session, resnap
