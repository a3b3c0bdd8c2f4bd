using Gateway.Pages;
using Microsoft.AspNetCore.Antiforgery;
using static Gateway.Pages.HtmlPage;

namespace Gateway.Login;

/// <summary>The gateway's own pages: plain HTML forms that work without JavaScript and read well on a phone.</summary>
internal static class LoginPages
{
    /// <summary>
    /// The sign-in page: one link per provider (<paramref name="providers"/>: button text and URL), then the
    /// username/password form unless <paramref name="tokens"/> is null (no user directory).
    /// </summary>
    public static string SignIn(string action, string returnUrl, AntiforgeryTokenSet? tokens, string? username = null, string? error = null,
        IReadOnlyList<(string Text, string Url)>? providers = null) =>
        Layout("Sign in", $"""
            <h1>Sign in</h1>
            {ErrorBlock(error)}
            {ProviderLinks(providers ?? [], passwordFormFollows: tokens is not null)}
            {(tokens is null ? "" : PasswordForm(action, returnUrl, tokens, username))}
            """);

    private static string PasswordForm(string action, string returnUrl, AntiforgeryTokenSet tokens, string? username) => $"""
            <form method="post" action="{Encode(action)}">
              {AntiforgeryField(tokens)}
              <input type="hidden" name="returnUrl" value="{Encode(returnUrl)}">
              <label for="username">Username</label>
              <input id="username" name="username" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required {(string.IsNullOrEmpty(username) ? "autofocus" : $"value=\"{Encode(username)}\"")}>
              <label for="password">Password</label>
              <input id="password" name="password" type="password" autocomplete="current-password" required {(string.IsNullOrEmpty(username) ? "" : "autofocus")}>
              <button type="submit">Sign in</button>
            </form>
            """;

    private static string ProviderLinks(IReadOnlyList<(string Text, string Url)> providers, bool passwordFormFollows) =>
        providers.Count == 0 ? "" : string.Concat(providers.Select(p => $"""<a class="provider" href="{Encode(p.Url)}">{Encode(p.Text)}</a>"""))
            + (passwordFormFollows ? """<p class="or">or with your username and password</p>""" : "");

    public static string SignOut(string action, string? returnUrl, AntiforgeryTokenSet tokens, string? user) =>
        Layout("Sign out", $"""
            <h1>Sign out</h1>
            <p>{(user is null ? "You are not signed in." : $"Signed in as <strong>{Encode(user)}</strong>. Signing out ends your session on every site of this domain.")}</p>
            <form method="post" action="{Encode(action)}">
              {AntiforgeryField(tokens)}
              {(returnUrl is null ? "" : $"<input type=\"hidden\" name=\"returnUrl\" value=\"{Encode(returnUrl)}\">")}
              <button type="submit" autofocus>Sign out</button>
            </form>
            """);

    public static string Message(string title, string message, string? linkText = null, string? linkUrl = null) =>
        Layout(title, $"""
            <h1>{Encode(title)}</h1>
            <p>{Encode(message)}</p>
            {(linkUrl is null ? "" : $"<p><a href=\"{Encode(linkUrl)}\">{Encode(linkText ?? linkUrl)}</a></p>")}
            """);

    private static string ErrorBlock(string? error) =>
        error is null ? "" : $"""<p class="error" role="alert">{Encode(error)}</p>""";

    private static string Layout(string title, string body) => HtmlPage.Document(title, Style, body);

    private const string Style = """
          main { max-width: 22rem; margin: 10vh auto; background: #fff; padding: 2rem; border-radius: .5rem; box-shadow: 0 1px 4px rgba(0,0,0,.15); }
          label { display: block; margin: 1rem 0 .25rem; font-weight: 600; }
          input, button { font: inherit; }
          input[type=text], input[type=password] { width: 100%; box-sizing: border-box; padding: .6rem; font-size: 1rem; border: 1px solid #767676; border-radius: .25rem; }
          button { margin-top: 1.5rem; width: 100%; padding: .7rem; font-size: 1rem; border: 0; border-radius: .25rem; background: #1f5fbf; color: #fff; cursor: pointer; }
          a.provider { display: block; margin-top: 1rem; padding: .7rem; text-align: center; border: 1px solid #1f5fbf; border-radius: .25rem; color: #1f5fbf; text-decoration: none; font-weight: 600; }
          .or { margin: 1.5rem 0 0; text-align: center; color: #555; }
          .error { background: #fde8e8; color: #8a1010; padding: .6rem; border-radius: .25rem; }
        """;
}
