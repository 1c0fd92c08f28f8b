using System.Globalization;
using System.Net;

namespace MoeOperator.Runtime.Hosting;

/// <summary>Parses kubebuilder-style bind addresses: ":8080" (every interface), "127.0.0.1:0", "0" (disabled).</summary>
public static class BindAddress
{
    /// <summary>The endpoint to listen on, or null when the address is "0" (the endpoint is off).</summary>
    public static IPEndPoint? Parse(string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address == "0")
        {
            return null;
        }

        var colon = address.LastIndexOf(':');
        if (colon < 0 || !int.TryParse(address[(colon + 1)..], CultureInfo.InvariantCulture, out var port) || port is < 0 or > 65535)
        {
            throw new FormatException($"bind address '{address}' must look like :8080, 127.0.0.1:8080 or 0 (off)");
        }

        var host = address[..colon];
        var ip = host.Length == 0 ? IPAddress.Any : IPAddress.TryParse(host, out var parsed) ? parsed : throw new FormatException($"bind address '{address}': '{host}' is not an IP address");
        return new IPEndPoint(ip, port);
    }
}
