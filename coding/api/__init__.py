"""The REST API under /api/ (Django REST framework, OpenAPI schema by drf-spectacular).

Views are thin: they find the review, check roles with the permission classes in
permissions.py, and call the same services and selectors as the pages.
"""
