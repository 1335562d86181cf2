package dev.reelay.domain.metrics;

/** The units Reelay's metrics use, spelled as CloudWatch spells them. */
public enum MetricUnit {
    COUNT("Count"),
    SECONDS("Seconds"),
    MILLISECONDS("Milliseconds"),
    BYTES("Bytes"),
    /** A plain number: used for money, which CloudWatch has no unit for (USD). */
    NONE("None");

    private final String cloudWatchName;

    MetricUnit(String cloudWatchName) {
        this.cloudWatchName = cloudWatchName;
    }

    public String cloudWatchName() {
        return cloudWatchName;
    }
}
