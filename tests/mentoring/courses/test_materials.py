"""Materials: pages and files for every kind of engagement, checked on the way in and
served only to the people taking part."""

import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from diaspora.accounts.models import User
from diaspora.institutions.models import Institution, MemberRole, Membership
from mentoring.courses import services
from mentoring.courses.files import check_upload, clean_filename
from mentoring.courses.models import Course, Material, MaterialKind
from mentoring.engagements.models import Engagement, TimelineEntry, TimelineVerb
from tests.mentoring.courses.conftest import MakeLearner

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    settings.MATERIAL_MAX_MB = 1
    return tmp_path


def zipped(members: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
DOCX = zipped([("[Content_Types].xml", b"<Types/>"), ("word/document.xml", b"<w:document/>")])
XLSX = zipped([("[Content_Types].xml", b"<Types/>"), ("xl/workbook.xml", b"<workbook/>")])
PPTX = zipped([("[Content_Types].xml", b"<Types/>"), ("ppt/presentation.xml", b"<p/>")])
ODT = zipped(
    [("mimetype", b"application/vnd.oasis.opendocument.text"), ("content.xml", b"<office/>")]
)
ODS = zipped(
    [("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"), ("content.xml", b"<o/>")]
)


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


# --- What may be uploaded -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("notes.pdf", PDF, "application/pdf"),
        (
            "Week 1.DOCX",
            DOCX,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("data.xlsx", XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (
            "slides.pptx",
            PPTX,
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ),
        ("essay.odt", ODT, "application/vnd.oasis.opendocument.text"),
        ("sheet.ods", ODS, "application/vnd.oasis.opendocument.spreadsheet"),
        ("readme.txt", "Bonjour, ça va ?\n".encode(), "text/plain; charset=utf-8"),
        ("notes.md", b"# Title\n", "text/markdown; charset=utf-8"),
        ("cases.csv", b"district,cases\nThies,12\n", "text/csv; charset=utf-8"),
        ("map.png", PNG, "image/png"),
        ("photo.jpg", JPEG, "image/jpeg"),
        ("photo.jpeg", JPEG, "image/jpeg"),
    ],
)
def test_it_accepts_allowed_types_by_name_and_content(
    name: str, data: bytes, content_type: str
) -> None:
    assert check_upload(upload(name, data)).content_type == content_type


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("virus.exe", b"MZ\x90\x00", "cannot be uploaded"),
        ("page.html", b"<html></html>", "cannot be uploaded"),
        ("noextension", PDF, "cannot be uploaded"),
        ("virus.pdf", b"MZ\x90\x00" + b"\x00" * 20, "is not PDF"),
        ("page.pdf", b"<html><script>alert(1)</script></html>", "is not PDF"),
        ("fake.docx", ODT, "is not Word"),
        ("fake.docx", b"PK\x03\x04 not really a zip", "is not Word"),
        ("fake.odt", DOCX, "is not OpenDocument text"),
        ("fake.ods", ODT, "is not OpenDocument spreadsheet"),
        ("latin1.txt", "café".encode("latin-1"), "is not text"),
        ("binary.csv", b"a,b\x00c", "is not CSV"),
        ("fake.png", JPEG, "is not PNG"),
        ("fake.jpg", PNG, "is not JPEG"),
        ("empty.pdf", b"", "empty"),
    ],
)
def test_it_refuses_other_types_and_lies_with_a_clear_error(
    name: str, data: bytes, message: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        check_upload(upload(name, data))
    assert message in caught.value.message_dict["file"][0]


def test_it_refuses_files_over_the_limit() -> None:
    big = PDF + b"0" * (1024 * 1024)
    with pytest.raises(ValidationError) as caught:
        check_upload(upload("big.pdf", big))
    assert "the limit is 1 MB" in caught.value.message_dict["file"][0]


def test_it_cleans_the_name_it_shows() -> None:
    assert clean_filename("../../etc/passwd.txt") == "passwd.txt"
    assert clean_filename("C:\\Users\\me\\notes.pdf") == "notes.pdf"
    assert clean_filename("bad\x00name\n.pdf") == "badname.pdf"
    assert clean_filename("") == "file"
    assert len(clean_filename("a" * 300 + ".pdf")) <= 200
    assert clean_filename("a" * 300 + ".pdf").endswith(".pdf")


# --- Adding -------------------------------------------------------------------------------


def test_it_stores_a_file_under_a_random_name_and_records_it(
    course: Engagement, alice: User, _media: Path
) -> None:
    material = services.material_file_add(
        engagement=course, by=alice, upload=upload("../Week 1 notes.pdf", PDF)
    )
    assert material.kind == MaterialKind.FILE
    assert material.title == "Week 1 notes.pdf"
    assert material.original_name == "Week 1 notes.pdf"
    assert material.content_type == "application/pdf"
    assert material.size == len(PDF)
    assert material.file.name.startswith(f"materials/{course.pk}/")
    assert "notes" not in material.file.name
    assert (_media / material.file.name).read_bytes() == PDF
    entry = TimelineEntry.objects.get(verb=TimelineVerb.MATERIAL_ADDED)
    assert entry.params["material"] == "Week 1 notes.pdf"
    assert entry.url == f"/engagements/{course.pk}/materials/{material.pk}/"


def test_it_adds_a_markdown_page(mentorship: Engagement, alice: User) -> None:
    material = services.material_page_add(
        engagement=mentorship, by=alice, title="Reading list", body="* *Good Strategy*"
    )
    assert "<em>Good Strategy</em>" in material.body_html
    with pytest.raises(ValidationError) as caught:
        services.material_page_add(engagement=mentorship, by=alice, title="", body="")
    assert {"title", "body"} <= set(caught.value.message_dict)


def test_the_add_page_uploads_and_keeps_errors(
    course: Engagement, alice: User, login: Callable[[User], Client]
) -> None:
    client = login(alice)
    url = f"/engagements/{course.pk}/materials/new/"
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"kind": "file", "file-title": "Slides", "file-file": upload("s.pdf", b"MZ")}
    )
    assert response.status_code == 200
    assert "is not PDF" in response.content.decode()
    assert 'value="Slides"' in response.content.decode()
    assert not Material.objects.exists()
    response = client.post(
        url, {"kind": "file", "file-title": "Slides", "file-file": upload("s.pdf", PDF)}
    )
    material = Material.objects.get()
    assert response["Location"] == f"/engagements/{course.pk}/materials/{material.pk}/"
    response = client.post(url, {"kind": "page", "page-title": "Intro", "page-body": ""})
    assert "body" in response.context["page_form"].errors
    client.post(url, {"kind": "page", "page-title": "Intro", "page-body": "Welcome"})
    assert Material.objects.filter(kind=MaterialKind.PAGE, title="Intro").exists()


def test_only_managers_add_or_delete_materials(
    course_row: Course,
    alice: User,
    bob: User,
    charlie: User,
    client: Client,
    login: Callable[[User], Client],
) -> None:
    services.enrolment_request(course=course_row, user=bob)
    url = f"/engagements/{course_row.pk}/materials/new/"
    data = {"kind": "page", "page-title": "T", "page-body": "B"}
    assert client.post(url, data).status_code == 302
    assert login(charlie).get(url).status_code == 404
    assert login(charlie).post(url, data).status_code == 404
    assert login(bob).get(url).status_code == 403
    assert login(bob).post(url, data).status_code == 403
    assert not Material.objects.exists()
    material = services.material_page_add(
        engagement=course_row.engagement, by=alice, title="T", body="B"
    )
    delete = f"/engagements/{course_row.pk}/materials/{material.pk}/delete/"
    assert login(bob).post(delete).status_code == 403
    assert login(charlie).post(delete).status_code == 404
    assert login(alice).post(delete).status_code == 302
    assert not Material.objects.exists()


# --- Reading: only the people taking part -------------------------------------------------


@pytest.fixture
def course_file(course: Engagement, alice: User) -> Material:
    return services.material_file_add(
        engagement=course, by=alice, upload=upload("Week 1.pdf", PDF), title="Week 1"
    )


def download_url(material: Material) -> str:
    return f"/engagements/{material.engagement_id}/materials/{material.pk}/download/"


def test_an_enrolled_learner_downloads_as_an_attachment(
    course_row: Course, course_file: Material, bob: User, login: Callable[[User], Client]
) -> None:
    services.enrolment_request(course=course_row, user=bob)
    response = login(bob).get(download_url(course_file))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="Week 1.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]


def test_materials_are_refused_to_the_non_enrolled(
    course_row: Course,
    course_file: Material,
    alice: User,
    bob: User,
    charlie: User,
    make_learner: MakeLearner,
    client: Client,
    login: Callable[[User], Client],
) -> None:
    page = services.material_page_add(
        engagement=course_row.engagement, by=alice, title="Intro", body="Secret notes"
    )
    ann, ben = make_learner("Ann"), make_learner("Ben")
    services.enrolment_request(course=course_row, user=ann)
    mine = services.enrolment_request(course=course_row, user=bob)
    services.enrolment_request(course=course_row, user=ben)  # the waiting list
    detail = f"/engagements/{course_row.pk}/materials/{page.pk}/"
    assert login(bob).get(detail).status_code == 200
    assert "Secret notes" in login(bob).get(detail).content.decode()
    for outsider in (charlie, ben):
        assert login(outsider).get(download_url(course_file)).status_code == 404
        assert login(outsider).get(detail).status_code == 404
    assert client.get(download_url(course_file)).status_code == 302
    assert client.get(detail).status_code == 302
    # A learner who withdrew loses access at once (and Ben gets the seat and the access).
    services.enrolment_withdraw(enrolment=mine, user=bob)
    assert login(bob).get(download_url(course_file)).status_code == 404
    assert login(bob).get(detail).status_code == 404
    assert login(ben).get(download_url(course_file)).status_code == 200


def test_overseers_read_materials(
    course: Engagement,
    course_file: Material,
    institution: Institution,
    make_user: Callable[..., User],
    login: Callable[[User], Client],
) -> None:
    dora = make_user("dora@example.org", name="Dora Admin")
    Membership.objects.create(institution=institution, user=dora, role=MemberRole.ADMIN)
    assert login(dora).get(download_url(course_file)).status_code == 404
    Engagement.objects.filter(pk=course.pk).update(institution=institution)
    assert login(dora).get(download_url(course_file)).status_code == 200


def test_a_material_of_another_engagement_is_not_found_through_this_one(
    course_file: Material, mentorship: Engagement, alice: User, login: Callable[[User], Client]
) -> None:
    url = f"/engagements/{mentorship.pk}/materials/{course_file.pk}/download/"
    assert login(alice).get(url).status_code == 404


def test_media_url_never_serves_materials(
    course_row: Course, course_file: Material, bob: User, login: Callable[[User], Client]
) -> None:
    services.enrolment_request(course=course_row, user=bob)
    client = login(bob)
    assert client.get(f"/media/{course_file.file.name}").status_code == 404
    for url in (
        f"/engagements/{course_row.pk}/",
        f"/engagements/{course_row.pk}/materials/{course_file.pk}/",
    ):
        content = client.get(url).content.decode()
        assert "/media/" not in content
        assert course_file.file.name not in content
        assert download_url(course_file) in content


def test_a_page_material_has_no_download(
    mentorship: Engagement, alice: User, login: Callable[[User], Client]
) -> None:
    page = services.material_page_add(engagement=mentorship, by=alice, title="T", body="B")
    assert login(alice).get(download_url(page)).status_code == 404


# --- The panel on every engagement page ---------------------------------------------------


def test_the_materials_panel_shows_on_every_kind(
    mentorship: Engagement,
    project: Engagement,
    course: Engagement,
    alice: User,
    bob: User,
    login: Callable[[User], Client],
) -> None:
    for engagement in (mentorship, project):
        services.material_page_add(engagement=engagement, by=alice, title="Plan", body="B")
        page = login(bob).get(f"/engagements/{engagement.pk}/")
        content = page.content.decode()
        assert 'id="materials"' in content
        assert "Plan" in content
        assert "Add a page or a file" not in content
    content = login(alice).get(f"/engagements/{course.pk}/").content.decode()
    assert 'id="materials"' in content
    assert "Add a page or a file" in content
    assert 'id="course"' in content
    assert 'id="course"' not in login(alice).get(f"/engagements/{mentorship.pk}/").content.decode()


def test_it_records_a_removed_material_and_an_edited_course(
    course: Engagement, alice: User
) -> None:
    material = services.material_page_add(
        engagement=course, by=alice, title="Reading list", body="- Rothman"
    )
    services.material_delete(material=material, by=alice)
    services.course_update(course=course.course, by=alice, values={"title": "Research Methods"})
    verbs = list(
        TimelineEntry.objects.filter(engagement=course)
        .order_by("id")
        .values_list("verb", flat=True)
    )
    assert verbs[-3:] == [
        TimelineVerb.MATERIAL_ADDED,
        TimelineVerb.MATERIAL_REMOVED,
        TimelineVerb.COURSE_UPDATED,
    ]
