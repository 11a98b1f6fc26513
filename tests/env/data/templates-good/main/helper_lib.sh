shared() { :; }
