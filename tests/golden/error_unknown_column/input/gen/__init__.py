# an older generated package
VALUE = 1
