package dev.reelay.local.lambda;

/** The ARNs the local stack gives its functions and state machines (account 000000000000, us-east-1). */
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
}
