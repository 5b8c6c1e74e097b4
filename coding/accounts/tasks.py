"""Background tasks of accounts (Django's task API through django-tasks; run by
`manage.py db_worker`)."""

from django.contrib.auth.forms import PasswordResetForm
from django_tasks import task


@task()
def send_password_reset_mail(*, email: str, domain: str, use_https: bool) -> int:
    """Mail a password-reset link to every active account using `email` (Django's own form,
    tokens and our templates); returns how many accounts it found. The request that asked
    only queues this, so a known and an unknown address take the same path and time."""
    form = PasswordResetForm({"email": email})
    if not form.is_valid():
        return 0
    users = list(form.get_users(form.cleaned_data["email"]))
    form.save(
        domain_override=domain,
        use_https=use_https,
        subject_template_name="registration/password_reset_subject.txt",
        email_template_name="registration/password_reset_email.html",
    )
    return len(users)
