namespace MoeOperator.Testing;

/// <summary>Waits for a condition with a deadline, polling it: how tests wait on processes, servers and background tasks.</summary>
internal static class Eventually
{
    public static Task HoldsAsync(Func<bool> condition, string what, TimeSpan? limit = null) =>
        HoldsAsync(() => Task.FromResult(condition()), what, limit);

    /// <summary>Waits for the condition; on timeout the message carries what <paramref name="state"/> reports.</summary>
    public static Task HoldsAsync(Func<bool> condition, string what, TimeSpan limit, Func<string> state) =>
        HoldsAsync(() => Task.FromResult(condition()), what, limit, state);

    public static async Task HoldsAsync(Func<Task<bool>> condition, string what, TimeSpan? limit = null, Func<string>? state = null)
    {
        var deadline = DateTime.UtcNow + (limit ?? TimeSpan.FromSeconds(20));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting for {what}" + (state is null ? "" : $"; state:\n{state()}"));
            }

            await Task.Delay(10);
        }
    }
}
