{-# LANGUAGE DataKinds #-}
{-# LANGUAGE OverloadedStrings #-}
{-# LANGUAGE TypeOperators #-}
-- | The sample app, a servant API on warp: GET /healthz answers "ok" (the Deployment's
-- readiness probe), GET /calc/<expression> the value of an arithmetic expression (parsed with
-- megaparsec), GET / a greeting; wai-extra logs every request. PORT (default 8080) is the port
-- it listens on.
module Main (main) where

import Control.Monad.Combinators.Expr (Operator (InfixL), makeExprParser)
import qualified Data.ByteString.Lazy.Char8 as L
import Data.Text (Text)
import qualified Data.Text as T
import Data.Void (Void)
import Greeting (greet)
import Network.Wai.Handler.Warp (run)
import Network.Wai.Middleware.RequestLogger (logStdout)
import Servant (Capture, Get, Handler, PlainText, Proxy (..), Server, err400, errBody, serve, throwError, (:<|>) (..), (:>))
import System.Environment (lookupEnv)
import Text.Megaparsec (Parsec, between, eof, errorBundlePretty, parse, (<|>))
import Text.Megaparsec.Char (space)
import qualified Text.Megaparsec.Char.Lexer as Lexer

type API =
  "healthz" :> Get '[PlainText] Text
    :<|> "calc" :> Capture "expression" Text :> Get '[PlainText] Text
    :<|> Get '[PlainText] Text

type Parser = Parsec Void Text

lexeme :: Parser a -> Parser a
lexeme = Lexer.lexeme space

symbol :: Text -> Parser Text
symbol = Lexer.symbol space

-- | Integers with + - * and parentheses, * binding tighter.
expr :: Parser Integer
expr = makeExprParser term [[InfixL ((*) <$ symbol "*")], [InfixL ((+) <$ symbol "+"), InfixL ((-) <$ symbol "-")]]
  where
    term = lexeme Lexer.decimal <|> between (symbol "(") (symbol ")") expr

-- | The value of an expression, or 400 with megaparsec's description of what is wrong.
calc :: Text -> Handler Text
calc s = case parse (space *> expr <* eof) "expression" s of
  Right n -> pure (T.pack (show n ++ "\n"))
  Left err -> throwError err400 {errBody = L.pack (errorBundlePretty err)}

server :: Server API
server = pure "ok\n" :<|> calc :<|> pure (T.pack (greet "glcd" ++ "\n"))

main :: IO ()
main = do
  port <- maybe 8080 read <$> lookupEnv "PORT"
  putStrLn ("hello: listening on :" ++ show port)
  run port (logStdout (serve (Proxy :: Proxy API) server))
