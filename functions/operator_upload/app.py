"""POST /webhook/api/operator/uploads — a signed PUT URL for a file an answer will carry."""

from aws_lambda_powertools.event_handler import Response, content_types

from shared import sessions, uploads
from shared.api import create_app, lambda_entry
from shared.models.media import UploadRequest, UploadResponse

app = create_app()


@app.post(
    "/webhook/api/operator/uploads",
    summary="Upload a file for an answer",
    description="201 with a URL to PUT the file's bytes to (with `headers`) before `expires_at`; then "
    "`POST …/appeals/{id}/response` may carry the upload's id in `attachment_ids`. Photos (JPEG, PNG, WebP) "
    "go to the client as photos, PDFs and other documents as documents. At most 20 MB; executables and "
    "other types are 400 `invalid_request`.",
    tags=["appeals"],
    responses={201: {"description": "The upload", "content": {"application/json": {"model": UploadResponse}}}},
)
def create_upload(request: UploadRequest) -> Response[UploadResponse]:
    session = sessions.authenticate(app.current_event)
    upload = uploads.create(session, request)
    return Response(status_code=201, content_type=content_types.APPLICATION_JSON, body=UploadResponse(upload=upload))


lambda_handler = lambda_entry(app)
