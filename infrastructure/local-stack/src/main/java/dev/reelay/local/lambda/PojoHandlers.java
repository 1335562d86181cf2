package dev.reelay.local.lambda;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.amazonaws.services.lambda.runtime.serialization.PojoSerializer;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A typed handler ({@code RequestHandler<S3Event, ...>}) behind the stream interface the local
 * Lambda endpoint calls, reading the event with the Lambda Java runtime's own serialization
 * ({@code aws-lambda-java-serialization}), so an event's JSON becomes the same object as in AWS.
 */
public final class PojoHandlers {
    private static final ObjectMapper JSON = new ObjectMapper();

    private PojoHandlers() {
    }

    public static <I, O> RequestStreamHandler of(RequestHandler<I, O> handler, Class<I> eventType) {
        PojoSerializer<I> events = LambdaEventSerializers.serializerFor(eventType, PojoHandlers.class.getClassLoader());
        return (input, output, context) -> JSON.writeValue(output, handler.handleRequest(events.fromJson(input), context));
    }
}
