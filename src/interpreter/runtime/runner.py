# mathagent cell runner. Executed once per interpreter (Pyodide worker or CPython worker) as the
# module `_mathagent_runner`; `_make_runner(cfg)` returns the `run(request_json) -> result_json`
# function the host calls once per request.
#
# A request is a list of cells run in order in one fresh namespace, like a fresh notebook (the
# paper's executor re-runs a trajectory's blocks in a fresh IPython shell at every turn); only the
# last cell's output is returned. The runner keeps no state between requests and resets nothing:
# the interpreter it runs in is fresh for every request (docs/interpreter.md, "Isolation"):
# - PyodidePool restores the interpreter's whole memory from a pristine copy after each request;
# - SubprocessPool runs each request in a fork of a pristine process.
# So a cell may change anything in the interpreter (modules, classes, this runner, sys hooks):
# the change lives until the end of its own request.
#
# Semantics (see docs/interpreter.md):
# - the value of a final expression statement is returned as repr() (None -> no value) and, for
#   IPython-style requests, as IPython's displayhook shows it (its pretty printer);
# - stdout/stderr are captured in bounded sinks (first `max_out` chars kept, total counted);
# - errors give a trimmed traceback: the innermost snippet frame + the exception lines; IPython-
#   style requests also get the last paragraph of IPython 8.5's traceback display.

import sys, ast, builtins, linecache, traceback, json, io


def _make_runner(cfg, pretty=None):
    import warnings, hashlib, random

    max_recursion = int(cfg.get("maxRecursion", 50000))
    max_repr = int(cfg.get("maxRepr", 4096))
    # every request starts from the same random state: an observation depends on its cells only
    # (a forked CPython child reseeds itself from the OS, so the seed is set again per request)
    seed = int(cfg.get("seed", 0))
    random.seed(seed)
    real_setrec = sys.setrecursionlimit

    def capped_setrecursionlimit(n):
        real_setrec(min(int(n), max_recursion))

    sys.setrecursionlimit = capped_setrecursionlimit
    capped_setrecursionlimit(int(cfg.get("defaultRecursion", sys.getrecursionlimit())))

    class Cap:
        """Bounded text sink: keeps the first `limit` chars, counts the rest."""

        __slots__ = ("limit", "parts", "kept", "total")

        def __init__(self, limit):
            self.limit = limit
            self.parts = []
            self.kept = 0
            self.total = 0

        def write(self, s):
            if not isinstance(s, str):
                raise TypeError("write() argument must be str, not " + type(s).__name__)
            n = len(s)
            self.total += n
            room = self.limit - self.kept
            if room > 0:
                piece = s[:room]
                self.parts.append(piece)
                self.kept += len(piece)
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
        if isinstance(e, SyntaxError):
            text = "".join(traceback.format_exception_only(type(e), e))
        else:
            tb = e.__traceback__
            while tb is not None and tb.tb_frame.f_code.co_filename != fn:
                tb = tb.tb_next  # drop the runner's frames
            frames = traceback.extract_tb(tb) if tb is not None else []
            mine = [f for f in frames if f.filename == fn]
            head = ""
            if mine:
                head = "Traceback (most recent call last):\n" + "".join(traceback.format_list(mine[-1:]))
            text = head + "".join(traceback.format_exception_only(type(e), e))
        return clip(text.rstrip("\n"), max_out)

    def clip(text, max_out):
        if len(text) > max_out:
            text = text[: max_out // 2] + "\n...[truncated]...\n" + text[-max_out // 2 :]
        return text

    def ipython_error(e, cell):
        """What IPython 8.5 (InteractiveShell, colors 'NoColor') prints for an exception, from the
        last blank line on: `Type: message`, or for a SyntaxError the caret display
        (`  File <ipython-input-1-HASH>:LINE` / the line / `^` / `SyntaxError: msg`)."""
        if not isinstance(e, SyntaxError):
            try:
                return "%s: %s" % (type(e).__name__, str(e))
            except BaseException:
                return "%s: <unprintable %s object>" % (type(e).__name__, type(e).__name__)
        source = cell if cell.endswith("\n") else cell + "\n"  # IPython's transform_cell adds it
        name = "<ipython-input-1-%s>" % hashlib.sha1(source.encode("utf-8", "replace")).hexdigest()[:12]
        out = []
        if e.lineno:
            out.append("  File %s:%s\n" % (name, e.lineno))
            lines = cell.splitlines(True)
            textline = lines[e.lineno - 1] if 0 < e.lineno <= len(lines) else ""
        else:
            out.append("  File %s\n" % name)
            textline = ""
        if textline == "":
            textline = e.text
        if textline is not None:
            i = 0
            while i < len(textline) and textline[i].isspace():
                i += 1
            out.append("    %s\n" % textline.strip())
            if e.offset is not None:
                s = "    " + "".join(c if c.isspace() else " " for c in textline[i : e.offset - 1])
                out.append(s + "^\n")
        msg = e.msg if isinstance(e.msg, str) else str(e)
        out.append("%s: %s\n" % (type(e).__name__, msg) if msg else "%s\n" % type(e).__name__)
        return "".join(out)

    def ipython_display(v):
        """The text IPython's displayhook writes for a value (PlainTextFormatter defaults)."""
        if pretty is None:
            return repr(v)
        stream = io.StringIO()
        types = dict(pretty._type_pprinters)
        types[float] = lambda obj, p, cycle: p.text("%r" % obj)
        printer = pretty.RepresentationPrinter(
            stream, False, 79, "\n", max_seq_length=pretty.MAX_SEQ_LENGTH,
            singleton_pprinters=dict(pretty._singleton_pprinters), type_pprinters=types,
            deferred_pprinters=dict(pretty._deferred_type_pprinters),
        )
        printer.pretty(v)
        printer.flush()
        return stream.getvalue()

    def run_cell(cell, ns, fn):
        """Runs one cell like a notebook cell; returns the last expression's value (or None)."""
        linecache.cache[fn] = (len(cell), None, cell.splitlines(True), fn)
        tree = ast.parse(cell, fn, "exec")
        last = None
        if tree.body and isinstance(tree.body[-1], ast.Expr):
            last = ast.Expression(tree.body.pop().value)
        exec(compile(tree, fn, "exec"), ns)
        if last is not None:
            return eval(compile(last, fn, "eval"), ns)
        return None

    def run(req_json):
        req = json.loads(req_json)
        cells = req["cells"]
        max_out = int(req.get("maxOut", 8192))
        ipython = bool(req.get("ipython"))
        if ipython:
            warnings.filterwarnings("ignore")  # as the paper's executor
        ns = {"__name__": "__main__", "__builtins__": builtins}
        random.seed(seed)
        out, err = Cap(max_out), Cap(max_out)
        res = {"status": "ok", "value": None, "error": None}
        sys.stdin = io.StringIO("")  # input() -> EOFError
        try:
            # earlier cells: their output is discarded, their errors do not stop the next cell
            sys.stdout, sys.stderr = Cap(0), Cap(0)
            for i, cell in enumerate(cells[:-1]):
                try:
                    run_cell(cell, ns, "<cell-%d>" % (i + 1))
                except KeyboardInterrupt:
                    raise
                except BaseException:
                    pass
            sys.stdout, sys.stderr = out, err
            cell = cells[-1] if cells else ""
            try:
                v = run_cell(cell, ns, "<snippet>")
                if v is not None:
                    r = repr(v)
                    res["value"] = r if len(r) <= max_repr else r[:max_repr] + "...[truncated]"
                    if ipython:
                        res["display"] = clip(ipython_display(v), max_out)
            except KeyboardInterrupt:
                raise
            except BaseException as e:  # SyntaxError, SystemExit, MemoryError, RecursionError, ...
                res["status"] = "error"
                res["value"] = None
                res.pop("display", None)
                try:
                    res["error"] = format_error(e, "<snippet>", max_out)
                    if ipython:
                        res["ipythonError"] = clip(ipython_error(e, cell), max_out)
                except BaseException:
                    res["error"] = type(e).__name__ + ": <unprintable exception>"
        except KeyboardInterrupt:
            res = {"status": "timeout", "value": None, "error": "TimeoutError: execution interrupted"}
        finally:
            sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
        res["stdout"] = out.getvalue()
        res["stderr"] = err.getvalue()
        res["truncated"] = out.total > out.kept or err.total > err.kept
        res["stdoutChars"] = out.total
        res["stderrChars"] = err.total
        return json.dumps(res)

    return run
