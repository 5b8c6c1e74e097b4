"""A person's own account: the mail that resets its password, sent in the background."""
