"""The imperative shell: pull, score, write back, hand off, one run, the scheduler."""
