package sample

// ReadLight is Read without the context switches, which cost one file per
// thread: what a Sampler reads every interval, and what `loopbench sample`
// streams between its full readings.
func ReadLight(pid int) (Stat, error) { return readLight(pid) }
