"""Starting and stopping auth-server for the end-to-end test and the load
run: a free loopback port, the process, and a wait for /healthz."""
import signal
import socket
import subprocess
import time
import urllib.request


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    def __init__(self, binary, config, log=None):
        self.binary, self.config, self.log = binary, config, log
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = None

    def start(self):
        """Starts the server; True once /healthz answers 200 (within 5 s)."""
        err = open(self.log, "a") if self.log else subprocess.DEVNULL
        self.proc = subprocess.Popen([self.binary, "--port", str(self.port), "--config", self.config],
                                     stderr=err, stdout=subprocess.DEVNULL)
        for _ in range(100):
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=1) as r:
                    if r.status == 200:
                        return True
            except OSError:
                time.sleep(0.05)
        return False

    def stop(self):
        """SIGTERM; the exit code, or None if it had to be killed."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return None
