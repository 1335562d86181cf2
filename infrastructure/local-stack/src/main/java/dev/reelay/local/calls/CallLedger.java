package dev.reelay.local.calls;

import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.s3.model.S3Request;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Which function made which AWS call, on the local stack: for the IAM contract test, which holds
 * every call against the policies template.yaml gives that function.
 * <p>
 * The local servers run each invocation inside {@link #within} (the Lambda endpoint, the HTTP API
 * for routes and the authorizer), which names the function on the current thread; the SDK clients
 * the functions share carry {@link #interceptors()}, which record each request of a named thread as
 * IAM actions ({@link IamActions}). What a thread does outside any function (the stack starting,
 * tests' own calls on the same clients) is kept apart, as {@link #unattributed()}.
 * <p>
 * Two needs pass no interceptor: a presigned URL is made without a request, yet carries its
 * signer's permissions ({@link #presigner}); and the vendor credentials, which AWS reads from
 * Secrets Manager, are a local supplier here ({@link #secretReads}).
 * <p>
 * {@link #off()} records nothing and adds nothing: no interceptor, no wrapper, one branch per invocation.
 */
public final class CallLedger {
    private static final CallLedger OFF = new CallLedger(false, null);

    /** A call made on a thread that was in no function, with the thread's name. */
    public record Unattributed(String thread, String action, AwsResource resource) {
    }

    /** A body that may throw what the servers' handlers throw. */
    @FunctionalInterface
    public interface Body<T, E extends Exception> {
        T run() throws E;
    }

    private final boolean enabled;
    private final String taskTokenStateMachine;
    /**
     * The function running on this thread. Inherited: a function may do its work on threads it starts
     * (a batch's cancel runs several task cancels at once), and those calls are still its own.
     */
    private final InheritableThreadLocal<String> current = new InheritableThreadLocal<>();
    private final Set<AwsCall> calls = ConcurrentHashMap.newKeySet();
    private final Set<Unattributed> unattributed = ConcurrentHashMap.newKeySet();

    private CallLedger(boolean enabled, String taskTokenStateMachine) {
        this.enabled = enabled;
        this.taskTokenStateMachine = taskTokenStateMachine;
    }

    /** Records nothing. */
    public static CallLedger off() {
        return OFF;
    }

    /**
     * @param taskTokenStateMachine the (only) state machine whose task tokens the functions answer
     *                              ({@code states:SendTaskSuccess} is checked against it)
     */
    public static CallLedger recording(String taskTokenStateMachine) {
        return new CallLedger(true, taskTokenStateMachine);
    }

    public boolean enabled() {
        return enabled;
    }

    /** Runs an invocation of {@code function}: the AWS calls of this thread meanwhile are that function's. */
    public <T, E extends Exception> T within(String function, Body<T, E> body) throws E {
        if (!enabled) {
            return body.run();
        }
        String outer = current.get();
        current.set(function);
        try {
            return body.run();
        } finally {
            if (outer == null) {
                current.remove();
            } else {
                current.set(outer);
            }
        }
    }

    /** Records a call of the function running on this thread; one outside any function is kept apart. */
    public void record(String action, AwsResource resource) {
        if (!enabled) {
            return;
        }
        String function = current.get();
        if (function == null) {
            unattributed.add(new Unattributed(Thread.currentThread().getName(), action, resource));
        } else {
            calls.add(new AwsCall(function, action, resource));
        }
    }

    /** Records a call of a principal that runs no code here, such as the state machine invoking a function. */
    public void recordAs(String principal, String action, AwsResource resource) {
        if (enabled) {
            calls.add(new AwsCall(principal, action, resource));
        }
    }

    /** Every distinct call recorded so far. */
    public List<AwsCall> calls() {
        return List.copyOf(calls);
    }

    /** Calls made on threads that were in no function. */
    public List<Unattributed> unattributed() {
        return List.copyOf(unattributed);
    }

    /** For the SDK clients the functions use: none when off. */
    public List<ExecutionInterceptor> interceptors() {
        return enabled ? List.of(new Interceptor()) : List.of();
    }

    /**
     * The presigner, recording each URL it signs as the action the URL performs (a GET is
     * {@code s3:GetObject} on the object): whoever follows the URL acts with the signer's permissions.
     * Itself when off.
     */
    public S3Presigner presigner(S3Presigner presigner) {
        if (!enabled) {
            return presigner;
        }
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getName().startsWith("presign") && args != null && args.length == 1) {
                recordPresigned(method, args[0]);
            }
            try {
                return method.invoke(presigner, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        return (S3Presigner) Proxy.newProxyInstance(S3Presigner.class.getClassLoader(), new Class<?>[]{S3Presigner.class}, handler);
    }

    /**
     * A supplier of the vendor credentials that records, for the function calling it,
     * {@code secretsmanager:GetSecretValue} on {@code secret}: in AWS the same supplier reads the
     * secret from Secrets Manager. Itself when off.
     */
    public <T> Supplier<T> secretReads(String secret, Supplier<T> supplier) {
        if (!enabled) {
            return supplier;
        }
        return () -> {
            record("secretsmanager:GetSecretValue", AwsResource.secret(secret));
            return supplier.get();
        };
    }

    /**
     * {@code presignGetObject(GetObjectPresignRequest)} signs the {@code GetObjectRequest} inside it;
     * the {@code Consumer} overloads build that request first (the presigner's own default methods
     * would call the undecorated presigner, so they are recorded here, from the built request).
     */
    @SuppressWarnings("unchecked")
    private void recordPresigned(Method method, Object argument) throws ReflectiveOperationException {
        Object presignRequest = argument;
        if (argument instanceof Consumer<?> consumer) {
            Method direct = null;
            for (Method candidate : S3Presigner.class.getMethods()) {
                if (candidate.getName().equals(method.getName()) && candidate.getParameterCount() == 1
                        && !Consumer.class.isAssignableFrom(candidate.getParameterTypes()[0])) {
                    direct = candidate;
                }
            }
            if (direct == null) {
                throw new IllegalStateException("No request type for " + method);
            }
            Method builderOf = direct.getParameterTypes()[0].getMethod("builder");
            Object builder = builderOf.invoke(null);
            ((Consumer<Object>) consumer).accept(builder);
            // By the public builder interface: the builder's own class is not public.
            presignRequest = builderOf.getReturnType().getMethod("build").invoke(builder);
        }
        for (Method getter : presignRequest.getClass().getMethods()) {
            if (getter.getParameterCount() == 0 && S3Request.class.isAssignableFrom(getter.getReturnType())) {
                S3Request signed = (S3Request) getter.invoke(presignRequest);
                IamActions.s3(IamActions.operation(signed), signed).forEach(need -> record(need.action(), need.resource()));
                return;
            }
        }
        throw new IllegalStateException("No S3 request in " + presignRequest.getClass().getName());
    }

    private final class Interceptor implements ExecutionInterceptor {
        /** A request it cannot map is recorded as such (no policy allows it), never failing the call itself. */
        @Override
        public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
            List<IamActions.Need> needs;
            try {
                needs = IamActions.of(context.request(), taskTokenStateMachine);
            } catch (RuntimeException unmapped) {
                needs = List.of(new IamActions.Need("unmapped:" + IamActions.operation(context.request()) + " (" + unmapped + ")",
                        AwsResource.any()));
            }
            for (IamActions.Need need : needs) {
                record(need.action(), need.resource());
            }
        }

        @Override
        public void onExecutionFailure(Context.FailedExecution context, ExecutionAttributes attributes) {
            if (context.exception() instanceof AwsServiceException service) {
                SdkRequest request = context.request();
                for (IamActions.Need need : IamActions.ofFailure(request, service.statusCode())) {
                    record(need.action(), need.resource());
                }
            }
        }
    }
}
