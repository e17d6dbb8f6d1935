"""Start the browser chat: `python app.py [--host H] [--port P] [--auth user:password] [--model NAME]`.

The same as `tutor serve`; the UI itself is built in src/tutor/web.py from a Tutor object.
"""

import sys

from tutor.cli import main

if __name__ == "__main__":
    sys.exit(main(["serve", *sys.argv[1:]]))
