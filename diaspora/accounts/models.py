import hashlib
import secrets
import unicodedata
from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone as dj_timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from diaspora.reference.validators import validate_timezone


class Role(models.TextChoices):
    EXPERT = "expert", _("Expert of the diaspora")
    INSTITUTION = "institution", _("Representative of an institution")
    LEARNER = "learner", _("Learner or mentee")


HANDLE_MAX_LENGTH = 40
# What may follow "@" in a mention; the first character is a letter or digit.
HANDLE_PATTERN = r"[a-z0-9][a-z0-9_-]{0,39}"


def free_handle(seed: str) -> str:
    """A handle made from a name or an email's local part, unique among users: "amina-diallo",
    else "amina-diallo-2" and so on."""
    base = slugify(unidecode_ascii(seed)).strip("-_")[: HANDLE_MAX_LENGTH - 5] or "member"
    candidate, n = base, 1
    while User.objects.filter(handle=candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def unidecode_ascii(text: str) -> str:
    """Letters with accents as their plain letters ("Aïssatou" -> "Aissatou")."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra: object) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if not user.handle:
            user.handle = free_handle(user.name or user.email.split("@")[0])
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra["is_staff"] = True
        extra["is_superuser"] = True
        extra.setdefault("is_moderator", True)
        return self._create(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person on the network. Email is the login; there is no username."""

    email = models.EmailField(_("email address"), unique=True)
    name = models.CharField(_("full name"), max_length=150, blank=True)
    # How others mention this person in forums ("@amina-diallo"); unique, lower case.
    handle = models.CharField(
        _("handle"),
        max_length=HANDLE_MAX_LENGTH,
        unique=True,
        null=True,
        blank=True,
        validators=[RegexValidator(f"^{HANDLE_PATTERN}$")],
    )
    role = models.CharField(
        _("I join as"), max_length=20, choices=Role.choices, default=Role.LEARNER
    )
    # Not `choices`: the tz database changes between machines and would churn migrations.
    timezone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_timezone]
    )
    is_moderator = models.BooleanField(
        _("moderator"),
        default=False,
        help_text=_("Moderators verify institutions and act on flags across the platform."),
    )
    is_staff = models.BooleanField(_("staff status"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=dj_timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]

    def __str__(self) -> str:
        return self.name or self.email

    def get_full_name(self) -> str:
        return self.name or self.email

    def get_short_name(self) -> str:
        return self.name.split()[0] if self.name else self.email.split("@")[0]

    @property
    def display_name(self) -> str:
        return self.get_full_name()


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class APITokenQuerySet(models.QuerySet["APIToken"]):
    def active(self) -> "APITokenQuerySet":
        return self.filter(revoked_at__isnull=True, user__is_active=True)


class APIToken(models.Model):
    """A personal token for the JSON API. Only its hash is stored; the token is shown once."""

    PREFIX = "dkn_"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField(max_length=12, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = APITokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    @classmethod
    def generate_raw(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)
