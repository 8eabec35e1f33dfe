"""Entry point Terraform runs through the mirror's plugin script."""

import sys

from genesys_audit_tools.standin.server import main

sys.exit(main())
