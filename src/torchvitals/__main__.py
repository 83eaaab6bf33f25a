import sys

from torchvitals.cli import main

sys.exit(main())
