package dev.reelay.local.backend;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.function.Supplier;

/**
 * An end-to-end test class that starts its runtime with {@link TestBackend#start}, so it runs on
 * the backend the switch selects ({@code -Dreelay.backend}, {@code REELAY_TEST_BACKEND}). When that
 * backend cannot run here (LocalStack without a Docker engine), the class is disabled before its
 * {@code @BeforeAll}, and Surefire reports each of its tests as skipped, with the reason. (An
 * assumption failing in {@code @BeforeAll} would instead be reported as "Tests run: 0".) On the
 * default, local backend it changes nothing. An unknown backend name fails the class.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(EndToEnd.Condition.class)
public @interface EndToEnd {
    final class Condition implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            return evaluate(Backend.selected(), DockerEnvironment::probe);
        }

        /** Docker is looked for only when the backend needs it. */
        static ConditionEvaluationResult evaluate(Backend backend, Supplier<DockerEnvironment.Probe> probe) {
            if (backend == Backend.LOCAL) {
                return ConditionEvaluationResult.enabled("On the local engines");
            }
            DockerEnvironment.Probe docker = probe.get();
            return docker.available()
                    ? ConditionEvaluationResult.enabled("On LocalStack: " + docker.reason())
                    : ConditionEvaluationResult.disabled("-D" + Backend.PROPERTY + "=" + backend.id()
                            + " needs a Docker engine, and " + docker.reason());
        }
    }
}
