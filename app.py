"""Start the browser chat: `python app.py [--host H] [--port P] [--auth-file PATH] [--model NAME]`.

The same as `tutor serve` (see `tutor serve --help`); the page itself is built by the package
src/tutor/web/ from a Tutor object.
"""

import sys

from tutor.cli import main

if __name__ == "__main__":
    sys.exit(main(["serve", *sys.argv[1:]]))
