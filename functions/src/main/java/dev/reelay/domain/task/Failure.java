package dev.reelay.domain.task;

/** Why a task failed, with a stable code. */
public record Failure(String code, String message) {
}
