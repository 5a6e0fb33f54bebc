"""``python -m mtkcare <command>``: the operator's command line (mtkcare.manage), e.g.
``python -m mtkcare issue-api-key "<organisation name>"``."""

from mtkcare.manage import main

main()
