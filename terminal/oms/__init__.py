"""Order management: staging, human approval, submission, lifecycle, reconciliation."""
