"""A review's members: roles, adding people, invitations by e-mail."""
