"""POST /webhook/api/operator/uploads — a signed PUT URL for a file an answer will carry."""

from shared.http.resolver import create_app, lambda_entry
from shared.media import uploads
from shared.media.models import UploadRequest, UploadResponse

app = create_app()


@app.post(
    "/webhook/api/operator/uploads",
    summary="Upload a file for an answer",
    description="201 with a URL to PUT the file's bytes to (with `headers`) before `expires_at`; then "
    "`POST …/appeals/{id}/response` may carry the upload's id in `attachment_ids`. Photos (JPEG, PNG, WebP) "
    "go to the client as photos, PDFs and other documents as documents. At most 20 MB; executables and "
    "other types are 400 `invalid_request`.",
    tags=["appeals"],
    status_code=201,
)
def create_upload(request: UploadRequest) -> UploadResponse:
    return UploadResponse(upload=uploads.create(app.session, request))


lambda_handler = lambda_entry(app)
