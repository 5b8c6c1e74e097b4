"""Notifications: an in-app list per person with an unread count, and a daily digest."""
