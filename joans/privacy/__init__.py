"""Personal data: what we hold, why, for how long, and the jobs that keep those promises."""
