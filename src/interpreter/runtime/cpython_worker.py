# Persistent CPython worker for SubprocessPool (NOT a sandbox: the code runs with this process's
# rights). Requests arrive as JSON lines on fd 3, results leave as JSON lines on fd 4; fds 1/2
# carry only what C code or os.write() prints, which the pool captures and caps.
# argv: runner.py path, JSON config {memLimitMb, maxRecursion, sysPath}
import sys, os, json

def main():
    runner_path, cfg = sys.argv[1], json.loads(sys.argv[2])
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
    mod = types.ModuleType("_mathagent_runner")
    with open(runner_path, encoding="utf-8") as f:
        exec(compile(f.read(), "<mathagent-runner>", "exec"), mod.__dict__)
    pre = cfg.get("preimport")
    if pre:
        exec(compile(pre, "<preimport>", "exec"), {"__name__": "__preimport__"})
    run, end, resnap = mod._make_runner(cfg)
    resnap()
    # fd-level output (C code, os.write) goes to a size-capped temp file read back after each job
    import tempfile, signal
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

    rin = os.fdopen(3, "r", encoding="utf-8")
    rout = os.fdopen(4, "w", encoding="utf-8")
    rout.write(json.dumps({"type": "ready"}) + "\n")
    rout.flush()
    while True:
        try:
            line = rin.readline()
        except KeyboardInterrupt:  # a late interrupt that arrived between jobs
            continue
        if not line:
            return
        msg = json.loads(line)
        if msg.get("type") == "end":
            end(msg["session"])
            continue
        try:
            res = run(msg["req"])
        except KeyboardInterrupt:
            res = json.dumps({"status": "timeout", "stdout": "", "stderr": "", "value": None, "error": None, "recycle": True})
        fd_text, fd_size = fd_output()
        if fd_size:
            r = json.loads(res)
            r["stdout"] = (r.get("stdout") or "") + fd_text
            if fd_size > len(fd_text.encode("utf-8")):
                r["truncated"] = True
            res = json.dumps(r)
        rout.write(json.dumps({"type": "result", "id": msg["id"], "res": res}) + "\n")
        rout.flush()

main()
