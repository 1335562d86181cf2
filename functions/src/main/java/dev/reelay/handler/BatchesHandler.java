package dev.reelay.handler;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.reelay.application.BatchRepresentation;
import dev.reelay.application.CancelBatch;
import dev.reelay.application.CreateBatch;
import dev.reelay.application.ReadBatches;
import dev.reelay.application.TaskRepresentation;
import dev.reelay.domain.batch.Batch;
import dev.reelay.domain.error.NotFoundException;

import java.util.List;
import java.util.Optional;

/**
 * The batch routes, one function for all five (docs/batches.md): {@code POST /v1/batches},
 * {@code GET /v1/batches}, {@code GET /v1/batches/{id}}, {@code GET /v1/batches/{id}/tasks} and
 * {@code POST /v1/batches/{id}/cancel}. Each route calls one use case.
 */
public final class BatchesHandler extends ApiHandler {
    public static final String CREATE = "POST /v1/batches";
    public static final String LIST = "GET /v1/batches";
    public static final String GET = "GET /v1/batches/{id}";
    public static final String TASKS = "GET /v1/batches/{id}/tasks";
    public static final String CANCEL = "POST /v1/batches/{id}/cancel";
    public static final List<String> ROUTES = List.of(CREATE, LIST, GET, TASKS, CANCEL);

    private final CreateBatch createBatch;
    private final ReadBatches readBatches;
    private final CancelBatch cancelBatch;

    public BatchesHandler() {
        this(AwsFunctions.WIRING.createBatch(), AwsFunctions.WIRING.readBatches(), AwsFunctions.WIRING.cancelBatch());
    }

    public BatchesHandler(CreateBatch createBatch, ReadBatches readBatches, CancelBatch cancelBatch) {
        this.createBatch = createBatch;
        this.readBatches = readBatches;
        this.cancelBatch = cancelBatch;
    }

    @Override
    protected APIGatewayV2HTTPResponse handle(APIGatewayV2HTTPEvent event) {
        String owner = HttpExchange.ownerKeyId(event);
        String route = String.valueOf(event.getRouteKey());
        return switch (route) {
            case CREATE -> {
                Batch batch = createBatch.create(owner, HttpExchange.jsonBody(event), HttpExchange.idempotencyKey(event));
                yield HttpExchange.json(200, BatchRepresentation.of(batch, List.of()));
            }
            case LIST -> HttpExchange.json(200, BatchRepresentation.list(readBatches.list(owner, event.getQueryStringParameters())));
            case GET -> HttpExchange.json(200, readBatches.get(owner, batchId(event)).json());
            case TASKS -> HttpExchange.json(200, TaskRepresentation.list(
                    readBatches.tasks(owner, batchId(event), event.getQueryStringParameters())));
            case CANCEL -> HttpExchange.json(200, cancelBatch.cancel(owner, batchId(event)).json());
            // API Gateway sends only the routes template.yaml gives this function.
            default -> throw new IllegalStateException("BatchesHandler serves no route " + route);
        };
    }

    private static String batchId(APIGatewayV2HTTPEvent event) {
        return Optional.ofNullable(event.getPathParameters()).map(p -> p.get("id"))
                .orElseThrow(() -> new NotFoundException("batch_not_found", "No batch id in the path."));
    }
}
