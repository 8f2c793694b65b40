#!/usr/bin/env python3
"""Converts each XLSForm named on the command line with pyxform (4.x, no ODK
Validate) and prints one JSON line per file: {"file", "ok", "error"}. The
parity test (tests/xlsform_parity.rs) runs it beside Muster's reader."""

import json
import sys
import warnings

from pyxform import xls2xform

warnings.simplefilter("ignore")
for path in sys.argv[1:]:
    try:
        xls2xform.convert(xlsform=path, warnings=[], validate=False)
        out = {"file": path, "ok": True}
    except Exception as e:  # pyxform's refusals, and what its readers raise
        out = {"file": path, "ok": False, "error": f"{type(e).__name__}: {e}"}
    print(json.dumps(out, ensure_ascii=False), flush=True)
