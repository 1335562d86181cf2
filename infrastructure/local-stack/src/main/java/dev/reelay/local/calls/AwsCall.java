package dev.reelay.local.calls;

/**
 * One AWS call a principal made, as IAM sees it: the action it needs and the resource it needs it on.
 *
 * @param principal the function (by its template name) or state machine whose role makes the call
 * @param action    an IAM action such as {@code dynamodb:UpdateItem}
 */
public record AwsCall(String principal, String action, AwsResource resource) {
    @Override
    public String toString() {
        return principal + ": " + action + " on " + resource;
    }
}
