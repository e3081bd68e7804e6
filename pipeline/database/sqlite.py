"""sqlite-utils, imported without numpy and pandas.

sqlite-utils imports numpy and pandas whenever they are installed, only to store their number types, which Lời Kể
never hands it; numpy alone cost every command a third of a second (``bench/startup.py``), so while sqlite-utils
loads they are hidden from it (a module set to None in ``sys.modules`` cannot be imported). Whoever imports them
afterwards gets them as usual. Every module of the data layer imports sqlite-utils through here.
"""

import sys

_hidden = [name for name in ("numpy", "pandas") if name not in sys.modules]
for _name in _hidden:
    sys.modules[_name] = None  # type: ignore[assignment]
try:
    from sqlite_utils import Database
    from sqlite_utils.db import Table
    from sqlite_utils.migrations import Migrations
finally:
    for _name in _hidden:
        del sys.modules[_name]

__all__ = ["Database", "Migrations", "Table"]
