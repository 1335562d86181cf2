package dev.reelay.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.reelay.application.CreateUpload;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code POST /v1/uploads}: a presigned PUT for one image, and the {@code upload://} reference to submit it with. */
public final class CreateUploadHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
    private static final Logger LOG = LoggerFactory.getLogger(CreateUploadHandler.class);
    private final CreateUpload createUpload;

    public CreateUploadHandler() {
        this(AwsFunctions.WIRING.createUpload());
    }

    public CreateUploadHandler(CreateUpload createUpload) {
        this.createUpload = createUpload;
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        try (InvocationLog log = InvocationLog.open(context, this)) {
            return handle(event);
        }
    }

    private APIGatewayV2HTTPResponse handle(APIGatewayV2HTTPEvent event) {
        try {
            return HttpExchange.json(200, createUpload.create(HttpExchange.ownerKeyId(event), HttpExchange.jsonBody(event)));
        } catch (RuntimeException e) {
            return HttpExchange.error(e, LOG, "POST /v1/uploads");
        }
    }
}
