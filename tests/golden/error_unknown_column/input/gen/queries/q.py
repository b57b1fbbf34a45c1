stale = True
