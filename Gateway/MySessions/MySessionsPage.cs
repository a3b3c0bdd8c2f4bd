using System.Globalization;
using System.Text;
using Gateway.Pages;
using Microsoft.AspNetCore.Antiforgery;
using static Gateway.Pages.HtmlPage;

namespace Gateway.MySessions;

/// <summary>
/// The "my sessions" page: one card per session (cards stack on a phone where a table would scroll sideways), newest
/// first with this session on top, each with a button that ends it; plain HTML forms, no script.
/// </summary>
internal static class MySessionsPage
{
    public static string Render(MySessionsPaths paths, string user, IReadOnlyList<OwnSessionView> sessions,
        AntiforgeryTokenSet tokens, DateTimeOffset now, string? notice)
    {
        var others = sessions.Count(s => !s.Current);
        var body = new StringBuilder();
        body.Append($"""
            <h1>Your sessions</h1>
            <p class="who">Signed in as <strong>{Encode(user)}</strong>. These are the browsers and devices signed in to your account. End any you do not recognise.</p>
            """);
        if (notice is not null)
        {
            body.Append($"""<p class="notice" role="status">{Encode(notice)}</p>""");
        }
        if (others > 0)
        {
            body.Append($"""
                <form method="post" action="{Encode(paths.EndOthers)}">
                  {AntiforgeryField(tokens)}
                  <button type="submit" class="danger">End all other sessions ({others})</button>
                </form>
                """);
        }
        body.Append("""<ul class="sessions">""");
        foreach (var session in sessions)
        {
            var summary = new UserAgentSummary(session.Device, session.Browser);
            body.Append($"""
                <li class="session{(session.Current ? " current" : "")}">
                  <h2>{Encode(summary.Text)}{(session.Current ? """ <span class="badge">This session</span>""" : "")}</h2>
                  <dl>
                    <dt>Signed in</dt><dd>{When(session.CreatedAt, now)}</dd>
                    <dt>Last used</dt><dd>{When(session.LastSeenAt, now)}</dd>
                    <dt>Address</dt><dd>{Encode(session.ClientAddress ?? "unknown")}</dd>
                  </dl>
                  {(session.Current ? SignOutForm(paths, tokens) : EndForm(paths, tokens, session, summary))}
                </li>
                """);
        }
        body.Append("</ul>");
        return Layout("Your sessions", body.ToString());
    }

    // This session ends by signing out (the sign-out endpoint also signs out at an OpenID Connect provider when configured).
    private static string SignOutForm(MySessionsPaths paths, AntiforgeryTokenSet tokens) => $"""
        <form method="post" action="{Encode(paths.SignOut)}">
          {AntiforgeryField(tokens)}
          <button type="submit">Sign out</button>
        </form>
        """;

    private static string EndForm(MySessionsPaths paths, AntiforgeryTokenSet tokens, OwnSessionView session, UserAgentSummary summary) => $"""
        <form method="post" action="{Encode(paths.End)}">
          {AntiforgeryField(tokens)}
          <input type="hidden" name="handle" value="{Encode(session.Handle)}">
          <button type="submit" aria-label="{Encode("End session: " + summary.Text)}">End session</button>
        </form>
        """;

    public static string Message(string title, string message, string linkText, string linkUrl) =>
        Layout(title, $"""
            <h1>{Encode(title)}</h1>
            <p>{Encode(message)}</p>
            <p><a href="{Encode(linkUrl)}">{Encode(linkText)}</a></p>
            """);

    /// <summary>An absolute UTC time a person can read on any device, and how long ago it was.</summary>
    private static string When(DateTimeOffset at, DateTimeOffset now)
    {
        var utc = at.ToUniversalTime();
        return $"""<time datetime="{utc.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)}">{utc.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC</time> <span class="ago">({Ago(now - at)})</span>""";
    }

    internal static string Ago(TimeSpan elapsed) => elapsed switch
    {
        { TotalMinutes: < 1 } => "just now",
        { TotalMinutes: < 2 } => "1 minute ago",
        { TotalHours: < 1 } => $"{(int)elapsed.TotalMinutes} minutes ago",
        { TotalHours: < 2 } => "1 hour ago",
        { TotalDays: < 1 } => $"{(int)elapsed.TotalHours} hours ago",
        { TotalDays: < 2 } => "1 day ago",
        _ => $"{(int)elapsed.TotalDays} days ago",
    };

    private static string Layout(string title, string body) => HtmlPage.Document(title, Style, body);

    private const string Style = """
          main { max-width: 36rem; margin: 4vh auto; background: #fff; padding: 1.5rem; border-radius: .5rem; box-shadow: 0 1px 4px rgba(0,0,0,.15); }
          h2 { font-size: 1.05rem; margin: 0 0 .5rem; overflow-wrap: anywhere; }
          .who { color: #333; overflow-wrap: anywhere; }
          ul.sessions { list-style: none; padding: 0; margin: 1rem 0 0; }
          li.session { border: 1px solid #d0d4da; border-radius: .4rem; padding: 1rem; margin-top: .75rem; }
          li.current { border-color: #1f5fbf; border-width: 2px; }
          .badge { display: inline-block; font-size: .8rem; font-weight: 600; background: #1f5fbf; color: #fff; padding: .1rem .45rem; border-radius: 1rem; vertical-align: middle; }
          dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem .75rem; margin: 0 0 .75rem; }
          dt { color: #555; }
          dd { margin: 0; overflow-wrap: anywhere; }
          .ago { color: #555; }
          button { font: inherit; width: 100%; min-height: 2.75rem; padding: .6rem; border: 1px solid #1f5fbf; border-radius: .25rem; background: #fff; color: #1f5fbf; cursor: pointer; }
          button.danger { background: #b3261e; border-color: #b3261e; color: #fff; margin-top: .5rem; }
          .notice { background: #e6f4ea; color: #0d5e22; padding: .6rem; border-radius: .25rem; }
        """;
}
