{-# LANGUAGE OverloadedStrings #-}
-- | The sample app: GET /healthz answers "ok" (the Deployment's readiness probe), any other
-- path a greeting. PORT (default 8080) is the port it listens on.
module Main (main) where

import qualified Data.ByteString.Lazy.Char8 as L
import Greeting (greet)
import Network.HTTP.Types (status200, status404)
import Network.Wai (Application, pathInfo, responseLBS)
import Network.Wai.Handler.Warp (run)
import System.Environment (lookupEnv)

app :: Application
app req respond = case pathInfo req of
  ["healthz"] -> respond $ responseLBS status200 [("Content-Type", "text/plain")] "ok\n"
  [] -> respond $ responseLBS status200 [("Content-Type", "text/plain")] (L.pack (greet "glcd" ++ "\n"))
  _ -> respond $ responseLBS status404 [("Content-Type", "text/plain")] "not found\n"

main :: IO ()
main = do
  port <- maybe 8080 read <$> lookupEnv "PORT"
  putStrLn ("hello: listening on :" ++ show port)
  run port app
