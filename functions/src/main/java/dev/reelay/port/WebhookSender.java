package dev.reelay.port;

import java.net.URI;
import java.util.Map;

/**
 * POSTs one signed webhook to a receiver. Whatever the receiver or the network does (an error
 * status, a redirect, a timeout, an address it may not reach) is a {@link Result}, never an
 * exception; exceptions are left for programming errors.
 */
public interface WebhookSender {

    /** @param status the receiver's HTTP status, or 0 when there was no answer (see {@code problem}) */
    record Result(boolean delivered, int status, String problem) {
        public static Result delivered(int status) {
            return new Result(true, status, null);
        }

        public static Result refused(int status, String problem) {
            return new Result(false, status, problem);
        }

        public static Result noAnswer(String problem) {
            return new Result(false, 0, problem);
        }

        /** For the timeline: the status, or the problem when there was no answer. */
        public String describe() {
            if (status == 0) {
                return problem;
            }
            return problem == null ? Integer.toString(status) : status + " (" + problem + ")";
        }
    }

    Result send(URI url, Map<String, String> headers, byte[] body);
}
