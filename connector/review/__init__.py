"""Review: judge a rules file against what became of past leads (issue 14)."""
