# CPython worker for SubprocessPool (NOT a sandbox: the code runs with this process's rights).
# Requests arrive as JSON lines on fd 3, results leave as JSON lines on fd 4; fds 1/2 carry only
# what C code or os.write() prints, which the pool captures and caps.
# This process imports everything once and then runs each request in a fork of itself, so every
# request starts from the same state (docs/interpreter.md, "Isolation"): nothing a request does
# reaches the next one. SIGINT is passed on to the running request; if this process is killed, so
# is the request (PR_SET_PDEATHSIG).
# argv: runner.py path, JSON config {memLimitMb, maxRecursion, sysPath, preimport, maxOut}
import sys, os, json, signal


def load(cfg, runner_path):
    for p in reversed(cfg.get("sysPath") or []):
        if p not in sys.path:
            sys.path.insert(0, p)
    mem = cfg.get("memLimitMb")
    if mem:
        try:
            import resource
            lim = int(mem) * 1048576
            resource.setrlimit(resource.RLIMIT_AS, (lim, lim))
        except Exception as e:  # not on this OS
            print("memory limit unavailable:", e, file=sys.stderr)
    import types
    here = os.path.dirname(os.path.abspath(runner_path))
    pretty = types.ModuleType("_mathagent_pretty")
    with open(os.path.join(here, "ipython_pretty.py"), encoding="utf-8") as f:
        exec(compile(f.read(), "<ipython-pretty>", "exec"), pretty.__dict__)
    mod = types.ModuleType("_mathagent_runner")
    with open(runner_path, encoding="utf-8") as f:
        exec(compile(f.read(), "<mathagent-runner>", "exec"), mod.__dict__)
    pre = cfg.get("preimport")
    if pre:
        exec(compile(pre, "<preimport>", "exec"), {"__name__": "__preimport__"})
    return mod._make_runner(cfg, pretty)


def die_with_parent():
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:
        pass


def main():
    runner_path, cfg = sys.argv[1], json.loads(sys.argv[2])
    run = load(cfg, runner_path)
    import ctypes  # noqa: F401  (loaded before the forks: die_with_parent runs in every child)
    import gc
    gc.collect()
    gc.freeze()  # the children share these pages instead of copying them on the first collection
    # fd-level output (C code, os.write) goes to a size-capped temp file read back after each job
    import tempfile
    max_out = int(cfg.get("maxOut", 8192))
    tf = tempfile.TemporaryFile()
    try:
        import resource
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 << 20, 64 << 20))
    except Exception:
        pass
    sys.stdout.flush(); sys.stderr.flush()
    os.dup2(tf.fileno(), 1)
    os.dup2(tf.fileno(), 2)
    tfd = tf.fileno()

    def fd_output():
        size = os.fstat(tfd).st_size
        if not size:
            return "", 0
        data = os.pread(tfd, max_out, 0).decode("utf-8", "replace")
        os.ftruncate(tfd, 0)
        os.lseek(tfd, 0, 0)
        return data, size

    child = [0]

    def forward_interrupt(signum, frame):
        if child[0]:
            try:
                os.kill(child[0], signal.SIGINT)
            except OSError:
                pass

    signal.signal(signal.SIGINT, forward_interrupt)
    rin = os.fdopen(3, "r", encoding="utf-8")
    rout = os.fdopen(4, "w", encoding="utf-8")
    rout.write(json.dumps({"type": "ready"}) + "\n")
    rout.flush()
    while True:
        line = rin.readline()
        if not line:
            return
        msg = json.loads(line)
        if msg.get("type") != "run":
            continue
        res = run_forked(run, msg["req"], child)
        fd_text, fd_size = fd_output()
        if fd_size:
            r = json.loads(res)
            r["stdout"] = (r.get("stdout") or "") + fd_text
            if fd_size > len(fd_text.encode("utf-8")):
                r["truncated"] = True
            res = json.dumps(r)
        rout.write(json.dumps({"type": "result", "id": msg["id"], "res": res}) + "\n")
        rout.flush()


def run_forked(run, req, child):
    """Runs one request in a fork; its JSON result, or a crash result when the fork died."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            os.close(3)  # the request never sees the pool's channels
            os.close(4)
            die_with_parent()
            signal.signal(signal.SIGINT, signal.default_int_handler)
            try:
                res = run(req)
            except KeyboardInterrupt:
                res = json.dumps({"status": "timeout", "stdout": "", "stderr": "", "value": None, "error": None})
            data = res.encode("utf-8")
            while data:
                data = data[os.write(w, data):]
        finally:
            os._exit(0)
    child[0] = pid
    os.close(w)
    chunks = []
    while True:
        b = os.read(r, 1 << 16)
        if not b:
            break
        chunks.append(b)
    os.close(r)
    _, status = os.waitpid(pid, 0)
    child[0] = 0
    data = b"".join(chunks)
    if data:
        try:
            r = json.loads(data)
        except ValueError:
            r = None
        if isinstance(r, dict) and isinstance(r.get("status"), str):
            return data.decode("utf-8")
        # the snippet replaced the runner's own result (json patched): an error of its own
        return json.dumps({"status": "error", "stdout": "", "stderr": "", "value": None,
                           "error": "RunnerError: the snippet broke the runner's result"})
    how = "signal %d" % os.WTERMSIG(status) if os.WIFSIGNALED(status) else "exit code %d" % os.WEXITSTATUS(status)
    return json.dumps({"status": "crash", "stdout": "", "stderr": "", "value": None,
                       "error": "InterpreterCrash: the Python process running the snippet died (%s)" % how})


main()
