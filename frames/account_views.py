"""Password pages in the site's own look: set a password from an invitation,
reset a forgotten one, change it while logged in. Django's views with our
templates; setting a password through a link is audited."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.urls import path, reverse_lazy

from frames.accounts import user_audit, user_fields
from frames.models import AuditLog


class FramesPasswordResetForm(PasswordResetForm):
    """Also reaches people who were invited but never set a password (their
    password is unusable, which Django's form skips): a lost invitation is
    replaced by "Forgot your password?"."""

    def get_users(self, email):
        User = get_user_model()
        email_field = User.get_email_field_name()
        return (u for u in User._default_manager.filter(**{f"{email_field}__iexact": email, "is_active": True})
                if u.has_usable_password() or hasattr(u, "student_profile") or hasattr(u, "faculty_profile"))


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "registration/frames_password_reset_form.html"
    email_template_name = "registration/frames_password_reset_email.txt"
    subject_template_name = "registration/frames_password_reset_subject.txt"
    form_class = FramesPasswordResetForm
    success_url = reverse_lazy("password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/frames_password_reset_done.html"


class AuditedPasswordMixin:
    """Audits the password the form set (that it was set, never the password)."""

    password_change = ""  # how it was set, for the audit row

    def form_valid(self, form):
        response = super().form_valid(form)
        user_audit(action=AuditLog.Action.UPDATE, account=form.user, user=form.user, source=AuditLog.Source.PAGE,
                   before=user_fields(form.user), extra={"password": [None, self.password_change]}).save()
        return response


class SetPasswordView(AuditedPasswordMixin, auth_views.PasswordResetConfirmView):
    """The invitation's and the reset e-mail's link: choose a password, then log in."""

    template_name = "registration/frames_set_password.html"
    success_url = reverse_lazy("login")
    password_change = "set through the e-mailed link"

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, "Your password is set. Log in with your username and new password.")
        return response


class PasswordChangeView(AuditedPasswordMixin, auth_views.PasswordChangeView):
    template_name = "registration/frames_password_change_form.html"
    success_url = reverse_lazy("password_change_done")
    password_change = "changed"


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "registration/frames_password_change_done.html"


# Included under accounts/ before django.contrib.auth.urls, so these names win.
urlpatterns = [
    path("password_reset/", PasswordResetView.as_view(), name="password_reset"),
    path("password_reset/done/", PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("set-password/<uidb64>/<token>/", SetPasswordView.as_view(), name="set_password"),
    path("reset/<uidb64>/<token>/", SetPasswordView.as_view(), name="password_reset_confirm"),
    path("password_change/", PasswordChangeView.as_view(), name="password_change"),
    path("password_change/done/", PasswordChangeDoneView.as_view(), name="password_change_done"),
]
