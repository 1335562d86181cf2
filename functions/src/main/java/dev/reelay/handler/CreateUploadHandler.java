package dev.reelay.handler;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.reelay.application.CreateUpload;

/** {@code POST /v1/uploads}: a presigned PUT for one image, and the {@code upload://} reference to submit it with. */
public final class CreateUploadHandler extends ApiHandler {
    private final CreateUpload createUpload;

    public CreateUploadHandler() {
        this(AwsFunctions.WIRING.createUpload());
    }

    public CreateUploadHandler(CreateUpload createUpload) {
        this.createUpload = createUpload;
    }

    @Override
    protected APIGatewayV2HTTPResponse handle(APIGatewayV2HTTPEvent event) {
        return HttpExchange.json(200, createUpload.create(HttpExchange.ownerKeyId(event), HttpExchange.jsonBody(event)));
    }
}
