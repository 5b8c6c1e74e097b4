"""Background tasks of the reader pages (Django's task API through django-tasks; run by
`manage.py db_worker`)."""

from django_tasks import task

from coding.public.cache import dashboard_warm


@task()
def warm_dashboard(review_id: int) -> bool:
    """Cache the review's dashboard for its current data version; returns whether it had to
    compute it."""
    return dashboard_warm(review_id=review_id)
