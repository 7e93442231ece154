"""`python -m tests.support.clocked ARGS…`: the `jiandu` command on the clock of the tests that started it."""
import sys

from tests.support import clock

if __name__ == "__main__":
    clock.start("now")  # "now" plus the offset the parent handed down in JIANDU_TEST_CLOCK_OFFSET
    from jiandu.cli import main

    sys.argv = ["jiandu", *sys.argv[1:]]
    sys.exit(main())
