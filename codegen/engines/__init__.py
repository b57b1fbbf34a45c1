"""Everything that differs between database engines lives under this package.

One sub-package per engine (`sqlite/`, `postgresql/`); the rest of codegen is engine-agnostic and
asks the engine object it gets from the registry here (issue [3 of 9] fills this in).
"""
