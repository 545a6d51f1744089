"""`make serve`: the whole stack on 127.0.0.1 until interrupted."""

import os
import signal
import threading

from local_runtime.stack import LocalStack


def main() -> None:
    port = int(os.environ.get("PORT", "3000"))
    stack = LocalStack(port=port).start()
    print(f"order-activation local runtime ready at {stack.url}", flush=True)
    names = ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION")
    exports = " ".join(f"{name}={os.environ[name]}" for name in (*names, "EVENT_BUS_NAME", "RECORDS_TABLE"))
    print(f"for `order-activation batch` in another shell: export {exports}", flush=True)

    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    try:
        stopped.wait()
    except KeyboardInterrupt:
        pass
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
