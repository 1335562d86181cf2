package dev.reelay.local.backend;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Disables a test class or method, reported as skipped with the reason, when no Docker engine is
 * usable ({@link DockerEnvironment}: no Testcontainers call at all on a machine with no Docker
 * socket). Decided before {@code @BeforeAll}, so a skipped class costs nothing.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(RequiresDocker.Condition.class)
public @interface RequiresDocker {
    final class Condition implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            DockerEnvironment.Probe docker = DockerEnvironment.probe();
            return docker.available()
                    ? ConditionEvaluationResult.enabled(docker.reason())
                    : ConditionEvaluationResult.disabled("Needs a Docker engine for LocalStack, and " + docker.reason());
        }
    }
}
