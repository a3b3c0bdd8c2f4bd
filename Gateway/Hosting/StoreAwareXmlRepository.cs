using System.Xml.Linq;
using Gateway.Cookies;
using Gateway.Sessions;
using Microsoft.AspNetCore.DataProtection.Repositories;
using StackExchange.Redis;

namespace Gateway.Hosting;

/// <summary>
/// The Data Protection key ring in Redis, read like the sessions: when Redis does not answer, the request that
/// needed the ring is marked as a store failure (so a challenge becomes 503, as for a session lookup) and the
/// fault surfaces as <see cref="SessionStoreUnavailableException"/> (503), never as a 500 or a silent sign-out.
/// </summary>
internal sealed class StoreAwareXmlRepository(IXmlRepository inner, IHttpContextAccessor requests) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        try
        {
            return inner.GetAllElements();
        }
        catch (RedisException ex)
        {
            throw Unavailable(ex);
        }
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        try
        {
            inner.StoreElement(element, friendlyName);
        }
        catch (RedisException ex)
        {
            throw Unavailable(ex);
        }
    }

    private SessionStoreUnavailableException Unavailable(RedisException fault)
    {
        if (requests.HttpContext is { } request)
        {
            SessionStoreFailure.MarkOn(request);
        }
        return new SessionStoreUnavailableException("The Data Protection key ring in Redis did not answer.", fault);
    }
}
