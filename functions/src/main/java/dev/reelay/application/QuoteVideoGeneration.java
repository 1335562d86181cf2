package dev.reelay.application;

import dev.reelay.domain.budget.MonthlyBudget;
import dev.reelay.domain.pricing.Quote;
import dev.reelay.domain.provider.ProviderTable;
import dev.reelay.domain.request.GenerationRequest;
import dev.reelay.domain.request.GenerationRequestParser;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /v1/quotes}: what {@link SubmitVideoGeneration} would charge and reserve for the same
 * body, by the same parser and the same vendor table, without creating a task, claiming an
 * idempotency key or reserving budget. Images are checked for their form only, not fetched: a quote
 * costs no call and cannot be used to make Reelay fetch a URL (docs/api.md, "Quotes").
 */
public final class QuoteVideoGeneration {
    private final GenerationRequestParser parser;
    private final ProviderTable providers;

    public QuoteVideoGeneration(GenerationRequestParser parser, ProviderTable providers) {
        this.parser = parser;
        this.providers = providers;
    }

    /** The quote object of docs/api.md; a body the submit would refuse is refused with the same code and {@code param}. */
    public Map<String, Object> quote(String ownerKeyId, Object body) {
        TaskLog.keyName(ownerKeyId);
        GenerationRequest request = parser.parse(body);
        List<ProviderTable.Candidate> candidates = providers.candidates(request);
        ProviderTable.Candidate chosen = candidates.get(0);
        Quote mostItCanCost = MonthlyBudget.mostItCanCost(candidates);

        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("object", "quote");
        answer.put("model", request.model());
        answer.put("duration", request.durationSeconds());
        answer.put("quality", request.quality().wire());
        answer.put("sound", request.sound().wire());
        answer.put("provider", chosen.name());
        answer.put("billing_rule", "per_second");
        answer.put("billed_seconds", chosen.quote().billedSeconds());
        answer.put("cost_usd", chosen.quote().costUsd());
        answer.put("credits", chosen.quote().credits());
        answer.put("reserved_usd", mostItCanCost.costUsd());
        answer.put("candidates", candidates.stream().map(candidate -> {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("provider", candidate.name());
            entry.put("billed_seconds", candidate.quote().billedSeconds());
            entry.put("cost_usd", candidate.quote().costUsd());
            return entry;
        }).toList());
        answer.put("images_checked", false);
        return answer;
    }
}
