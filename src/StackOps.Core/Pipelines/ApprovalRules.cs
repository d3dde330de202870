using StackOps.Core.Errors;

namespace StackOps.Core.Pipelines;

/// <summary>
/// Who may decide on a pending promotion: not twice, not the requester when the stage forbids
/// self-approval, and only a named approver when the stage names them. The engine checks them when
/// a user decides; a team server checks them again on every record it is sent, under the caller's
/// authenticated name.
/// </summary>
public static class ApprovalRules
{
    public static void Check(PromotionRecord record, ApprovalGate? gate, string approver, bool approve)
    {
        if (approve && gate is not null)
        {
            if (!gate.AllowSelfApproval && Same(record.RequestedBy, approver))
                throw new StackOpsException("SelfApprovalForbidden", ErrorKind.InvalidOperation,
                    $"{approver} requested this promotion and stage '{record.To}' does not let a requester approve their own promotion: another approver must.", record);
            if (gate.Approvers.Count > 0 && !gate.Approvers.Contains(approver, StringComparer.OrdinalIgnoreCase))
                throw new StackOpsException("ApproverNotAllowed", ErrorKind.InvalidOperation,
                    $"{approver} is not an approver of stage '{record.To}' (approvers: {string.Join(", ", gate.Approvers)}).", record);
        }
        if (record.Decisions.Any(d => Same(d.By, approver)))
            throw new StackOpsException("AlreadyDecided", ErrorKind.InvalidOperation, $"{approver} already decided on promotion '{record.Id}'.", record);
    }

    /// <summary>
    /// The decisions a new state of a record adds to the previous one; decisions once recorded are
    /// final, so a new state that changes or drops one is ApprovalTampered.
    /// </summary>
    public static IReadOnlyList<ApprovalDecision> Added(PromotionRecord? previous, PromotionRecord next)
    {
        var before = previous?.Decisions ?? [];
        if (next.Decisions.Count < before.Count || before.Where((d, i) => d != next.Decisions[i]).Any())
            throw new StackOpsException("ApprovalTampered", ErrorKind.SecurityError,
                $"This change rewrites or removes decisions already recorded on promotion '{next.Id}'. Decisions are final: record a new one (Approve-StackPromotion or Deny-StackPromotion). Nothing was changed.", next.Id);
        return next.Decisions.Skip(before.Count).ToList();
    }

    private static bool Same(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}
