# Python-level hardening, run once in each Pyodide worker after the runner is installed.
# This is the friendly first layer (clear error messages); it is NOT the security boundary:
# the JS-level hardening in worker.mjs (no JS globals, replaced wasm imports, no code generation)
# and the locked-down host process are.
import sys


def _harden():
    import os, builtins

    # no host paths from the snapshot build (sys.orig_argv / sys.argv)
    sys.orig_argv = ["python"]
    sys.argv = [""]
    # an empty, fixed environment
    os.environ.clear()
    os.environ.update({"HOME": "/home/pyodide", "PATH": "", "LANG": "C.UTF-8"})

    BRIDGES = ("js", "pyodide_js", "pyodide", "_pyodide", "_pyodide_core", "micropip", "pyodide_http")
    for name in list(sys.modules):
        if name.split(".")[0] in BRIDGES:
            del sys.modules[name]
    import __main__
    for k in list(vars(__main__)):
        if k.split(".")[0] in BRIDGES or "pyodide" in k:
            delattr(__main__, k)
    sys.meta_path[:] = [f for f in sys.meta_path if type(f).__module__ not in ("_pyodide._importhook",)]
    sys.path_hooks[:] = [h for h in sys.path_hooks if getattr(h, "__module__", "") not in ("_pyodide._importhook",)]

    BLOCK_IMPORT = frozenset({
        "js", "pyodide_js", "pyodide", "_pyodide", "_pyodide_core", "micropip", "pyodide_http",
        "ctypes", "_ctypes", "webbrowser", "subprocess", "_posixsubprocess", "socket", "_socket",
        "ssl", "_ssl", "urllib.request", "http.client", "ftplib", "smtplib", "poplib", "imaplib",
        "telnetlib", "xmlrpc.client", "multiprocessing", "_multiprocessing", "pty", "asyncio",
        "_remote_debugging",
    })
    BLOCK_EVENTS = frozenset({
        "os.system", "os.exec", "os.spawn", "os.posix_spawn", "os.fork", "os.forkpty", "os.kill",
        "os.killpg", "os.startfile", "subprocess.Popen", "socket.connect", "socket.bind",
        "socket.getaddrinfo", "socket.__new__", "socket.sendto", "ctypes.dlopen", "ctypes.dlsym",
        "ctypes.cdata", "ctypes.call_function", "gc.get_objects", "gc.get_referrers",
        "gc.get_referents", "sys._current_frames", "sys._current_exceptions", "sys.settrace",
        "sys.setprofile", "sys.remote_exec", "cpython.remote_debugger_script", "os.chdir",
        "os.putenv", "os.unsetenv", "os.chroot", "os.mount", "sys.addaudithook", "_posixsubprocess.fork_exec",
    })
    ImportError_ = ImportError
    PermissionError_ = PermissionError

    def hook(event, args):
        if event == "import":
            name = args[0]
            if name in BLOCK_IMPORT or name.split(".")[0] in BLOCK_IMPORT:
                raise ImportError_(f"import of '{name}' is blocked in this sandbox")
        elif event in BLOCK_EVENTS:
            raise PermissionError_(f"'{event}' is blocked in this sandbox")

    sys.addaudithook(hook)

    def _no_exit(*a, **k):
        raise PermissionError_("os._exit/os.abort are blocked in this sandbox")

    os._exit = _no_exit
    os.abort = _no_exit
    try:
        import posix
        posix._exit = _no_exit
        posix.abort = _no_exit
    except Exception:
        pass


_harden()
del _harden
