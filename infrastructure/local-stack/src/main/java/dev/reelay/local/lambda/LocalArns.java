package dev.reelay.local.lambda;

/** The ARNs (and queue URLs) the local stack gives its functions, state machines and queues (account 000000000000, us-east-1). */
public final class LocalArns {
    public static final String REGION = "us-east-1";
    public static final String ACCOUNT = "000000000000";

    private LocalArns() {
    }

    public static String function(String name) {
        return "arn:aws:lambda:" + REGION + ":" + ACCOUNT + ":function:" + name;
    }

    public static String stateMachine(String name) {
        return "arn:aws:states:" + REGION + ":" + ACCOUNT + ":stateMachine:" + name;
    }

    /** The URL an SQS queue of this name would have; the local stack only takes the name from it. */
    public static String queueUrl(String name) {
        return "https://sqs." + REGION + ".amazonaws.com/" + ACCOUNT + "/" + name;
    }
}
